import ArgumentParser
import NewsModel

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
            Input is JSON Lines: one object per line with "headline" and "body" (strings), and optionally \
            "id", "url", "source", "publishedAt" (RFC 3339) and "language". A bad line is logged with its \
            number and the rest keeps flowing. Clients such as `newsctl publish` submit on the control \
            endpoint, and a story is acknowledged once it is in the journal. The journal is served to tag \
            replicas on the feed endpoint. Stops cleanly on SIGINT or SIGTERM.
            """)

    @OptionGroup var stage: StageOptions

    @Option(name: .customLong("input"), help: ArgumentHelp("JSON Lines file to read at start; - for stdin; repeatable.", valueName: "file"))
    var files: [String] = []

    @Option(name: .customLong("watch"), help: ArgumentHelp("A directory whose new files are read while running; processed files are remembered across restarts; repeatable.", valueName: "dir"))
    var watched: [String] = []

    @Option(help: ArgumentHelp("Endpoint of the reliable feed (default: <run-dir>/<instance>.feed).", valueName: "endpoint"))
    var feed: String?

    @Option(help: ArgumentHelp("Control endpoint for submit and status (default: <run-dir>/<instance>.ctl).", valueName: "endpoint"))
    var control: String?

    func run() async throws {
        stage.bootstrapLogging()
        let layout = stage.layout
        let instance = stage.instanceName(stage: "ingest")
        let runtime = try StageRuntime(stage: "ingest", instance: instance)
        try await runtime.run(
            IngestService(
                runtime: runtime, files: files, watched: watched, feed: feed ?? layout.feed(instance), control: control ?? layout.control(instance),
                dataDirectory: stage.resolvedDataDirectory, retention: stage.retention), exitWithParent: stage.exitWithParent)
    }
}
