import ArgumentParser
import Foundation
import NewsModel
import ZeroMQ

/// Options every `newsctl` command takes: where the stages are and how to print.
public struct ClientOptions: ParsableArguments, Sendable {
    /// Creates the options with their defaults.
    public init() {}

    @Option(name: .customLong("run-dir"), help: ArgumentHelp("The pipeline's run directory (env NEWS_RUN_DIR).", valueName: "dir"))
    var runDirectory: String = ProcessInfo.processInfo.environment["NEWS_RUN_DIR"] ?? "run"

    @Flag(help: "Print JSON Lines instead of text, for scripts.")
    var json = false

    @Option(help: ArgumentHelp("Seconds to wait for a stage to answer.", valueName: "seconds"))
    var timeout: Double = 5

    @Option(help: ArgumentHelp("ingest's control endpoint (default: <run-dir>/ingest.ctl).", valueName: "endpoint"))
    var ingest: String?

    @Option(help: ArgumentHelp("tag's control endpoint (default: <run-dir>/tag.ctl).", valueName: "endpoint"))
    var tag: String?

    @Option(help: ArgumentHelp("index's control endpoint (default: <run-dir>/index.ctl).", valueName: "endpoint"))
    var index: String?

    @Option(help: ArgumentHelp("notify's control endpoint (default: <run-dir>/notify.ctl).", valueName: "endpoint"))
    var notify: String?

    @Option(help: ArgumentHelp("notify's alert stream (default: <run-dir>/alerts.pub).", valueName: "endpoint"))
    var alerts: String?

    @Option(help: ArgumentHelp("tag's tagged-story stream (default: <run-dir>/tagged.pub).", valueName: "endpoint"))
    var tagged: String?

    public func validate() throws {
        guard timeout > 0 && timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
    }

    var layout: PipelineLayout { PipelineLayout(runDirectory: runDirectory) }

    /// The control endpoint of each stage, in pipeline order.
    var controlEndpoints: [(stage: String, endpoint: String)] {
        [
            ("ingest", ingest ?? layout.ingestControl), ("tag", tag ?? layout.tagControl),
            ("index", index ?? layout.indexControl), ("notify", notify ?? layout.notifyControl),
        ]
    }

    func client(for stage: String, context: ZMQContext) -> ControlClient {
        let endpoint = controlEndpoints.first { $0.stage == stage }!.endpoint
        return ControlClient(
            stage: stage,
            client: RequestClient(context: context, endpoint: endpoint, timeout: .milliseconds(Int(timeout * 1000))))
    }
}

/// An error `newsctl` reports as one line on stderr before exiting with status 1.
struct NewsctlError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Writes one line to stdout, unbuffered, so that pipes see it at once.
func printLine(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// Writes one line to stderr.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Prints a value as one JSON line.
func printJSON(_ value: some Encodable) throws {
    printLine(try JSONCoding.line(value))
}

/// Short date for text output: `2026-01-12 14:05`.
func shortDate(_ date: Date?) -> String {
    guard let date else { return "undated" }
    let text = RFC3339.format(date)
    return String(text.prefix(16)).replacingOccurrences(of: "T", with: " ")
}
