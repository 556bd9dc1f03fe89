import Foundation
import NewsModel

/// The default endpoints of a pipeline on one machine: `ipc://` sockets in one run directory, named
/// after each stage instance, so replicas (`tag-0`, `tag-1`, …) sit side by side and consumers find
/// them by name.
///
/// | file | bound by | socket |
/// | --- | --- | --- |
/// | `<instance>.ctl` | every stage | REP: status, and the stage's requests |
/// | `<instance>.feed` | ingest, tag, notify | ROUTER: the reliable feed of the stage's journal |
/// | `<instance>.pub` | notify | XPUB: the live alert stream, `alert.<subscription id>` |
public struct PipelineLayout: Sendable, Hashable {
    /// The stages, in pipeline order.
    public static let stages = ["ingest", "tag", "index", "notify"]
    /// Which stage each stage reads.
    public static let upstream = ["tag": "ingest", "index": "tag", "notify": "tag"]

    /// The run directory, made absolute.
    public let runDirectory: String

    /// A layout rooted at `runDirectory` (relative paths are taken from the current directory).
    public init(runDirectory: String) {
        let url = URL(fileURLWithPath: runDirectory, isDirectory: true).standardizedFileURL
        self.runDirectory = url.path
    }

    private func ipc(_ name: String) -> String { "ipc://\(runDirectory)/\(name)" }

    /// An instance's control endpoint.
    public func control(_ instance: String) -> String { ipc("\(instance).ctl") }
    /// An instance's reliable feed.
    public func feed(_ instance: String) -> String { ipc("\(instance).feed") }
    /// An instance's live pub/sub stream (notify's alerts).
    public func live(_ instance: String) -> String { ipc("\(instance).pub") }

    /// The feeds of every replica of `stage` in the run directory, now and as they appear.
    public func feeds(of stage: String) -> FeedSources {
        FeedSources(directory: runDirectory, prefix: "\(stage)-", suffix: ".feed")
    }

    /// The control endpoints of every replica of `stage` found in the run directory now.
    public func controls(of stage: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runDirectory)) ?? []
        return names.filter { $0.hasPrefix("\(stage)-") && $0.hasSuffix(".ctl") }
            .sorted { $0.localizedStandardCompare($1) == .orderedAscending }
            .map { ipc($0) }
    }

    /// Where `index` and `notify` keep their databases, and producers their journals, by default.
    public var dataDirectory: String { runDirectory + "/data" }
}
