import ArgumentParser
import HTTPClient
import NewsModel
import NewsTransport
import StageRuntime

/// `ingest`: the stage that takes stories in (`ingest run`, the default) and its standalone parser
/// (`ingest parse`).
public struct IngestCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Take stories in from files, stdin and clients, and journal them for the pipeline.",
        subcommands: [IngestRunCommand.self, IngestParseCommand.self], defaultSubcommand: IngestRunCommand.self)

    public init() {}
}

/// `ingest run`: the stage itself.
struct IngestRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the stage (the default): take stories in and journal them for the pipeline.",
        discussion: """
            Input comes from files and stdin (--input), directories (--watch), feed URLs polled over HTTP(S) \
            (--poll, or `newsctl feeds add` while running) and clients such as `newsctl publish` on the \
            control endpoint. Formats are detected from the content: JSON Lines (one object per line with \
            "headline" and "body", and optionally "id", "url", "source", "publishedAt" (RFC 3339) and \
            "language"), RSS, Atom, JSON Feed, story files and digests. A bad line or a failing feed is \
            logged and counted and the rest keeps flowing. A story is acknowledged once it is in the \
            journal, which is served to tag replicas on the feed endpoint. Stops cleanly on SIGINT or SIGTERM.
            """)

    @OptionGroup var stage: StageOptions

    @Option(name: .customLong("input"), help: ArgumentHelp("JSON Lines file to read at start; - for stdin; repeatable.", valueName: "file"))
    var files: [String] = []

    @Option(name: .customLong("watch"), help: ArgumentHelp("A directory whose new files are read while running; processed files are remembered across restarts; repeatable.", valueName: "dir"))
    var watched: [String] = []

    @Option(name: .customLong("poll"), help: ArgumentHelp("An http or https feed URL to poll; repeatable. Feeds are remembered across restarts.", valueName: "url"))
    var polled: [String] = []

    @Option(name: .customLong("poll-interval"), help: ArgumentHelp("Seconds between polls of the --poll feeds.", valueName: "seconds"))
    var pollInterval = PolledFeed.defaultIntervalSeconds

    @Option(name: .customLong("fetch-timeout"), help: ArgumentHelp("Seconds a feed fetch may take, connection to last byte.", valueName: "seconds"))
    var fetchTimeout = 30

    @Option(
        name: .customLong("feed-allow"),
        help: ArgumentHelp(
            "A network polled feeds (and their redirects) may reach although it is loopback, private or link-local, such as 10.20.0.0/16; repeatable.",
            valueName: "cidr"))
    var feedAllow: [String] = []

    @Option(help: ArgumentHelp("Endpoint of the reliable feed (default: <run-dir>/<instance>.feed).", valueName: "endpoint"))
    var feed: String?

    @Option(help: ArgumentHelp("Control endpoint for submit and status (default: <run-dir>/<instance>.ctl).", valueName: "endpoint"))
    var control: String?

    func validate() throws {
        for url in polled {
            do {
                try IngestService.validate(FeedAddRequest(url: url, intervalSeconds: pollInterval))
            } catch {
                throw ValidationError("--poll \(url): \(error.message)")
            }
        }
        guard fetchTimeout > 0 else { throw ValidationError("--fetch-timeout must be at least 1 second") }
        for cidr in feedAllow {
            do { _ = try CIDR(cidr) } catch { throw ValidationError("--feed-allow: \(error)") }
        }
    }

    func run() async throws {
        stage.bootstrapLogging()
        let layout = stage.layout
        let instance = stage.instanceName(stage: "ingest")
        let runtime = try StageRuntime(stage: "ingest", instance: instance, curve: try stage.curveConfiguration())
        try await runtime.run(
            IngestService(
                runtime: runtime, files: files, watched: watched,
                polled: polled.map { FeedAddRequest(url: $0, intervalSeconds: pollInterval) },
                fetcher: FeedFetcher(
                    timeout: .seconds(fetchTimeout),
                    addressGuard: AddressGuard(allowed: try feedAllow.map { try CIDR($0) }, allowOption: "ingest --feed-allow")),
                feed: feed ?? layout.feed(instance), control: control ?? layout.control(instance),
                dataDirectory: stage.resolvedDataDirectory, retention: stage.retention), exitWithParent: stage.exitWithParent, metrics: stage.metrics,
            metricsAddressFile: stage.metricsAddressFile(stage: "ingest"))
    }
}
