import Foundation

/// The default endpoints of a pipeline on one machine: `ipc://` sockets in one run directory.
///
/// | endpoint | bound by | socket |
/// | --- | --- | --- |
/// | `ingest.ctl` | `ingest` | REP: submit, status |
/// | `stories.pub` | `ingest` | XPUB: `story.ingested` |
/// | `tag.ctl` | `tag` | REP: status |
/// | `tagged.pub` | `tag` | XPUB: `story.tagged` |
/// | `index.ctl` | `index` | REP: search, status |
/// | `notify.ctl` | `notify` | REP: subscriptions, alerts, status |
/// | `alerts.pub` | `notify` | XPUB: `alert.<subscription id>` |
public struct PipelineLayout: Sendable, Hashable {
    /// The run directory, made absolute.
    public let runDirectory: String

    /// A layout rooted at `runDirectory` (relative paths are taken from the current directory).
    public init(runDirectory: String) {
        let url = URL(fileURLWithPath: runDirectory, isDirectory: true).standardizedFileURL
        self.runDirectory = url.path
    }

    private func ipc(_ name: String) -> String { "ipc://\(runDirectory)/\(name)" }

    /// `ingest`'s control endpoint (submit, status).
    public var ingestControl: String { ipc("ingest.ctl") }
    /// `ingest`'s story stream.
    public var stories: String { ipc("stories.pub") }
    /// `tag`'s control endpoint.
    public var tagControl: String { ipc("tag.ctl") }
    /// `tag`'s tagged-story stream.
    public var tagged: String { ipc("tagged.pub") }
    /// `index`'s control endpoint (search, status).
    public var indexControl: String { ipc("index.ctl") }
    /// `notify`'s control endpoint (subscriptions, alerts, status).
    public var notifyControl: String { ipc("notify.ctl") }
    /// `notify`'s alert stream.
    public var alerts: String { ipc("alerts.pub") }
    /// Where `index` and `notify` keep their databases by default.
    public var dataDirectory: String { runDirectory + "/data" }
}
