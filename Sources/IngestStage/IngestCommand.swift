import ArgumentParser
import NewsModel

/// `ingest`: the stage that takes stories in.
public struct IngestCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Take stories in from files, stdin and clients, and publish them to the pipeline.",
        discussion: """
            Input is JSON Lines: one object per line with "headline" and "body" (strings), and optionally \
            "id", "url", "source", "publishedAt" (RFC 3339) and "language". A bad line is logged with its \
            number and the rest keeps flowing. Clients such as `newsctl publish` submit on the control \
            endpoint. Input files are read once a subscriber (tag) has joined the stream; start the downstream \
            stages first, because a stage that joins later does not see what was published before it. \
            Stops cleanly on SIGINT or SIGTERM.
            """)

    @OptionGroup var stage: StageOptions

    @Option(name: .customLong("input"), help: ArgumentHelp("JSON Lines file to read at start; - for stdin; repeatable.", valueName: "file"))
    var files: [String] = []

    @Option(help: ArgumentHelp("Endpoint to publish stories on (default: <run-dir>/stories.pub).", valueName: "endpoint"))
    var publish: String?

    @Option(help: ArgumentHelp("Control endpoint for submit and status (default: <run-dir>/ingest.ctl).", valueName: "endpoint"))
    var control: String?

    public init() {}

    public func run() async throws {
        stage.bootstrapLogging()
        let layout = stage.layout
        let runtime = try StageRuntime(stage: "ingest", instance: stage.instance)
        try await runtime.run(
            IngestService(
                runtime: runtime, files: files, publish: publish ?? layout.stories,
                control: control ?? layout.ingestControl))
    }
}
