import ArgumentParser
import Foundation
import Logging
import NewsModel
import NewsTransport
import ZeroMQ

/// Options every `newsctl` command takes: where the stages are and how to print.
public struct ClientOptions: ParsableArguments, Sendable {
    /// Creates the options with their defaults.
    public init() {}

    @Option(name: .customLong("run-dir"), help: ArgumentHelp("The pipeline's run directory (env NEWS_RUN_DIR).", valueName: "dir"))
    var runDirectory: String = ProcessInfo.processInfo.environment["NEWS_RUN_DIR"] ?? "run"

    @Flag(help: "Print JSON Lines instead of text, for scripts.")
    var json = false

    @Option(
        help: ArgumentHelp(
            "Seconds to wait for a stage to answer (default \(Self.answerTimeout); \(Self.writeTimeout) for publish and retag, whose answers wait for the journal).",
            valueName: "seconds"))
    var timeout: Double?

    /// How long a question (status, search, subscribe) waits for its answer unless `--timeout` says.
    static let answerTimeout: Double = 5
    /// How long a write (publish, retag) waits unless `--timeout` says: its answer comes after ingest's
    /// journal commit, which a loaded machine can hold up for seconds per batch.
    static let writeTimeout: Double = 60

    @Option(help: ArgumentHelp("An ingest control endpoint; repeatable (default: every <run-dir>/ingest-*.ctl).", valueName: "endpoint"))
    var ingest: [String] = []

    @Option(help: ArgumentHelp("A tag control endpoint; repeatable (default: every <run-dir>/tag-*.ctl).", valueName: "endpoint"))
    var tag: [String] = []

    @Option(help: ArgumentHelp("An index control endpoint; repeatable (default: every <run-dir>/index-*.ctl).", valueName: "endpoint"))
    var index: [String] = []

    @Option(help: ArgumentHelp("A notify control endpoint; repeatable (default: every <run-dir>/notify-*.ctl).", valueName: "endpoint"))
    var notify: [String] = []

    @Option(help: ArgumentHelp("A notify feed endpoint, for alerts --follow; repeatable (default: every <run-dir>/notify-*.feed).", valueName: "endpoint"))
    var alerts: [String] = []

    @Option(help: ArgumentHelp("A tag feed endpoint, for tail; repeatable (default: every <run-dir>/tag-*.feed).", valueName: "endpoint"))
    var tagged: [String] = []

    public func validate() throws {
        guard timeout.map({ $0 > 0 && $0 <= 3600 }) ?? true else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
    }

    @Option(
        name: .customLong("curve-key"),
        help: ArgumentHelp("Your CurveZMQ key pair (newsctl keys generate), for stages that run with CURVE.", valueName: "file"))
    var curveKey: String?

    @Option(
        name: .customLong("curve-server-key"),
        help: ArgumentHelp("The stages' public key (Z85, or a .pub file), for stages that run with CURVE.", valueName: "key"))
    var curveServerKey: String?

    /// The ZeroMQ context for this command, with CURVE on when a key pair is given.
    func makeContext() throws -> ZMQContext {
        let context = try ZMQContext()
        if let curveKey {
            guard let curveServerKey else { throw ValidationError("--curve-key needs --curve-server-key: the stages' public key") }
            let keyPair = try CurveKeyFile.readKeyPair(curveKey)
            let configuration = CurveConfiguration(keyPair: keyPair, serverKey: try CurveKeyFile.readPublicKey(curveServerKey), allowedClients: [])
            try TransportSecurity.enableCurve(configuration, context: context, logger: Logger(label: "newsctl"))
        }
        return context
    }

    var layout: PipelineLayout { PipelineLayout(runDirectory: runDirectory) }

    /// The control endpoints of every replica of `stage`: the ones given, or those in the run directory.
    func controlEndpoints(_ stage: String) -> [String] {
        let given = ["ingest": ingest, "tag": tag, "index": index, "notify": notify][stage] ?? []
        return given.isEmpty ? layout.controls(of: stage) : given
    }

    /// The feeds of `stage` (tag or notify) for following: the ones given, or those in the run directory.
    func feedSources(_ stage: String) -> FeedSources {
        let given = stage == "tag" ? tagged : alerts
        return given.isEmpty ? layout.feeds(of: stage) : FeedSources(endpoints: given)
    }

    /// A client of one replica; it waits `--timeout` seconds, or `defaultTimeout` when none was given.
    func client(endpoint: String, stage: String, context: ZMQContext, defaultTimeout: Double = answerTimeout) -> ControlClient {
        let seconds = timeout ?? defaultTimeout
        return ControlClient(
            stage: stage,
            client: RequestClient(context: context, endpoint: endpoint, timeout: .milliseconds(Int(seconds * 1000))))
    }

    /// Sends `request` to the first replica of `stage` that answers, waiting `--timeout` seconds, or
    /// `defaultTimeout` when none was given.
    func call<Result: Decodable>(
        _ stage: String, _ request: ControlRequest, as type: Result.Type, context: ZMQContext, defaultTimeout: Double = answerTimeout
    ) async throws -> Result {
        let endpoints = controlEndpoints(stage)
        guard !endpoints.isEmpty else {
            throw NewsctlError(
                "no \(stage) is running: no \(stage)-*.ctl in \(layout.runDirectory). Is the pipeline running? (make run)")
        }
        var lastError: ControlClientError?
        for endpoint in endpoints {
            do {
                return try await client(endpoint: endpoint, stage: stage, context: context, defaultTimeout: defaultTimeout).call(request, as: type)
            } catch {
                if case .unreachable = error {
                    lastError = error
                    continue
                }
                throw error
            }
        }
        throw lastError!
    }
}

/// An error `newsctl` reports as one line on stderr before exiting with status 1.
struct NewsctlError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `text` parsed here, as the stages will parse it, so that a mistake is refused with its column before
/// any stage is asked (and without a pipeline running).
/// - Throws: ``NewsctlError`` showing the query and a caret under the column.
func parsedQuery(_ text: String) throws(NewsctlError) -> Query {
    do {
        return try Query(text)
    } catch {
        let caret = String(repeating: " ", count: max(0, error.column - 1)) + "^"
        throw NewsctlError("bad query: \(error)\n  \(text)\n  \(caret)")
    }
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
