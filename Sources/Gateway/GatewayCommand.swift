import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NewsModel
import NewsTransport
import ServiceLifecycle
import StageRuntime
import Telemetry
import UnixSignals
import ZeroMQ

/// `gateway`: the pipeline's HTTP front door. A client of the stages' control sockets and feeds, as
/// `newsctl` is, so any number of gateways can run side by side.
public struct GatewayCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Serve the REST API, the live streams and the web console over HTTP.",
        discussion: """
            Listens on 127.0.0.1:8080 by default (--http to change; put TLS in front with a reverse proxy, \
            docs/DEPLOY.md). Every /v1 route takes an API token, 'Authorization: Bearer <token>', made with \
            newsctl tokens create. docs/openapi.yaml (also served at /openapi.yaml) describes the API.
            """)

    @Option(
        name: .customLong("run-dir"), help: ArgumentHelp("The pipeline's run directory (env NEWS_RUN_DIR).", valueName: "dir"))
    var runDirectory: String = ProcessInfo.processInfo.environment["NEWS_RUN_DIR"] ?? "run"

    @Option(help: ArgumentHelp("Address to listen on, host:port (port 0: any free one).", valueName: "host:port"))
    var http = "127.0.0.1:8080"

    @Option(help: ArgumentHelp("Instance name; the gateway writes its URL to <run-dir>/<instance>.http (default gateway-0).", valueName: "name"))
    var instance = "gateway-0"

    @Option(help: ArgumentHelp("Seconds a stream client may take no event before it is cut off (it can resume).", valueName: "seconds"))
    var streamStall = 10

    @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel = ProcessInfo.processInfo.environment["NEWS_LOG_LEVEL"] ?? "info"

    @Option(help: ArgumentHelp("text, or json: one JSON object per line (env NEWS_LOG_FORMAT).", valueName: "format"))
    var logFormat = ProcessInfo.processInfo.environment["NEWS_LOG_FORMAT"] ?? "text"

    @Option(
        help: ArgumentHelp(
            "Serve Prometheus /metrics (and /healthz, /readyz) on host:port too (the URL goes to <run-dir>/<instance>.metrics).",
            valueName: "host:port"))
    var metrics: String?

    @Flag(name: .customLong("exit-with-parent"), help: "Stop gracefully when the parent process exits.")
    var exitWithParent = false

    public init() {}

    /// The host and port of `--http`.
    var address: (host: String, port: Int)? { TelemetryServer.parseAddress(http) }

    public func validate() throws {
        guard address != nil else { throw ValidationError("--http takes host:port, such as 127.0.0.1:8080, not \(http)") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format is text or json, not \(logFormat)") }
        if let metrics, TelemetryServer.parseAddress(metrics) == nil { throw ValidationError("--metrics takes host:port, not \(metrics)") }
        guard (1...3_600).contains(streamStall) else { throw ValidationError("--stream-stall must be 1 to 3600 seconds") }
    }

    public func run() async throws {
        (LogFormat(rawValue: logFormat) ?? .text).bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info)
        Telemetry.bootstrap()
        let logger = Logger(label: "gateway")
        let context = try ZMQContext()
        defer { context.shutdown() }
        let layout = PipelineLayout(runDirectory: runDirectory)
        let stages = StageCalls(layout: layout, context: context)
        let openStreams = OpenStreams()
        let router = GatewayRouter.make(stages: stages, streamStall: .seconds(streamStall), openStreams: openStreams, logger: logger)
        let (host, port) = address!
        let urlFile = layout.runDirectory + "/\(instance).http"
        defer { unlink(urlFile) }
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "news-gateway"),
            onServerRunning: { channel in
                // The bound address (a free port when --http asked for port 0), for make run and the tests.
                let bound = channel.localAddress?.port ?? port
                let shown = host.contains(":") ? "[\(host)]" : host
                let url = "http://\(shown):\(bound)"
                try? FileManager.default.createDirectory(atPath: layout.runDirectory, withIntermediateDirectories: true)
                try? (url + "\n").write(toFile: urlFile, atomically: true, encoding: .utf8)
                logger.info("gateway listening", metadata: ["url": "\(url)", "console": "\(url)/"])
            },
            logger: logger)
        var services: [any Service] = [app, StreamCloser(streams: openStreams)]
        if exitWithParent { services.append(ParentWatch(logger: logger)) }
        if let metrics, let bound = TelemetryServer.parseAddress(metrics) {
            services.append(
                TelemetryServer(
                    host: bound.host, port: bound.port, addressFile: layout.runDirectory + "/\(instance).metrics", logger: logger,
                    readiness: { await GatewayRouter.readinessReport(stages) }))
        }
        let group = ServiceGroup(
            configuration: .init(services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
