import NewsModel
import NewsTransport
import ZeroMQ
import ArgumentParser
import Foundation
import Logging
import Telemetry

/// Options every stage takes.
public struct StageOptions: ParsableArguments, Sendable {
    /// Creates the options with their defaults.
    public init() {}

    /// The run directory that holds the default ipc sockets and data.
    @Option(
        name: .customLong("run-dir"),
        help: ArgumentHelp("Directory for the default ipc:// sockets and data (env NEWS_RUN_DIR).", valueName: "dir"))
    public var runDirectory: String = ProcessInfo.processInfo.environment["NEWS_RUN_DIR"] ?? "run"

    /// This process's instance name, stable across restarts; its producer id.
    @Option(help: ArgumentHelp("Instance name, stable across restarts (default: <stage>-0).", valueName: "name"))
    public var instance: String?

    /// Where databases and journals live.
    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Directory for databases and journals (default: <run-dir>/data).", valueName: "dir"))
    public var dataDirectory: String?

    /// How long a producing stage keeps journal entries.
    @Option(name: .customLong("journal-max-age"), help: ArgumentHelp("Hours a journal keeps entries (default 168, a week).", valueName: "hours"))
    public var journalMaxAgeHours: Double = 168

    /// How many journal entries a producing stage keeps at most.
    @Option(name: .customLong("journal-max-entries"), help: ArgumentHelp("Most entries a journal keeps (default 1000000).", valueName: "count"))
    public var journalMaxEntries: Int = 1_000_000

    /// Stop when the process that started this one exits (for supervisors and test harnesses).
    @Flag(name: .customLong("exit-with-parent"), help: "Stop gracefully when the parent process exits.")
    public var exitWithParent = false

    /// The log level.
    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    public var logLevel: String = ProcessInfo.processInfo.environment["NEWS_LOG_LEVEL"] ?? "info"

    /// How log lines are written.
    @Option(
        name: .customLong("log-format"),
        help: ArgumentHelp("text, or json: one JSON object per line (env NEWS_LOG_FORMAT).", valueName: "format"))
    public var logFormat: String = ProcessInfo.processInfo.environment["NEWS_LOG_FORMAT"] ?? "text"

    /// Where to serve /metrics, /healthz and /readyz.
    @Option(
        help: ArgumentHelp(
            "Serve Prometheus /metrics, /healthz and /readyz on host:port (port 0: any free one; the URL goes to <run-dir>/<instance>.metrics).",
            valueName: "host:port"))
    public var metrics: String?

    /// The layout the defaults come from.
    @Option(
        name: .customLong("curve-key"),
        help: ArgumentHelp("This stage's CurveZMQ key pair (a .key file from newsctl keys generate): turns CURVE on for every socket.", valueName: "file"))
    public var curveKey: String?

    @Option(
        name: .customLong("curve-server-key"),
        help: ArgumentHelp("The public key (Z85, or a .pub or .key file) of the stages this one connects to (default: its own).", valueName: "key"))
    public var curveServerKey: String?

    @Option(
        name: .customLong("curve-allow"),
        help: ArgumentHelp("Public keys allowed to connect: a .pub file or a directory of them; repeatable.", valueName: "path"))
    public var curveAllow: [String] = []

    /// The CurveZMQ settings the options give, or nil when CURVE is off.
    public func curveConfiguration() throws(TransportError) -> CurveConfiguration? {
        guard let curveKey else { return nil }
        let keyPair = try CurveKeyFile.readKeyPair(curveKey)
        let serverKey = try curveServerKey.map(CurveKeyFile.readPublicKey) ?? keyPair.publicKey
        // The stage's own key is always allowed: stages of one deployment share the server key pair.
        let allowed = try CurveKeyFile.readAllowList(curveAllow).union([keyPair.publicKey])
        return CurveConfiguration(keyPair: keyPair, serverKey: serverKey, allowedClients: allowed)
    }

    public var layout: PipelineLayout { PipelineLayout(runDirectory: runDirectory) }

    /// The data directory in use.
    public var resolvedDataDirectory: String { dataDirectory ?? layout.dataDirectory }

    /// The journal retention policy in use.
    public var retention: JournalRetention {
        JournalRetention(maxAge: .seconds(Int64(journalMaxAgeHours * 3600)), maxEntries: journalMaxEntries)
    }

    /// This process's instance name: `--instance`, or `<stage>-0`.
    public func instanceName(stage: String) -> String { instance ?? "\(stage)-0" }

    public func validate() throws {
        guard journalMaxAgeHours > 0, journalMaxEntries > 0 else {
            throw ValidationError("--journal-max-age and --journal-max-entries must be more than 0")
        }
        if let instance, instance.isEmpty || instance.contains("/") || instance.contains(where: \.isWhitespace) {
            throw ValidationError("--instance must be a name without spaces or slashes, such as tag-1")
        }
        if curveKey == nil && (curveServerKey != nil || !curveAllow.isEmpty) {
            throw ValidationError("--curve-server-key and --curve-allow need --curve-key")
        }
        guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format is text or json, not \(logFormat)") }
        if let metrics, TelemetryServer.parseAddress(metrics) == nil {
            throw ValidationError("--metrics takes host:port, such as 127.0.0.1:9101 (port 0: any free one), not \(metrics)")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// Sends every log line of this process to stderr at the chosen level and format. Call once, from `run()`.
    public func bootstrapLogging() {
        (LogFormat(rawValue: logFormat) ?? .text).bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info)
    }

    /// Where this instance writes its metrics URL once listening: `<run-dir>/<instance>.metrics`.
    public func metricsAddressFile(stage: String) -> String {
        layout.runDirectory + "/\(instanceName(stage: stage)).metrics"
    }
}
