import ArgumentParser
import NewsModel
import NewsTransport
import StageRuntime

/// `index`: the stage that makes stories searchable.
public struct IndexCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Store tagged stories in a full-text index (SQLite FTS5) and answer searches.",
        discussion: """
            Reads the feeds of every tag replica as a member of the index group (replicas share the \
            stories and one index file) and stores each story once per id under the data directory. Answers \
            search requests from `newsctl search` on its control endpoint. Stops cleanly on SIGINT or SIGTERM.
            """)

    @OptionGroup var stage: StageOptions

    @Option(name: .customLong("input"), help: ArgumentHelp("A tag feed endpoint; repeatable (default: every <run-dir>/tag-*.feed).", valueName: "endpoint"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Control endpoint for search and status (default: <run-dir>/<instance>.ctl).", valueName: "endpoint"))
    var control: String?

    public init() {}

    public func run() async throws {
        stage.bootstrapLogging()
        let layout = stage.layout
        let index = try StoryIndex(path: stage.resolvedDataDirectory + "/index.sqlite")
        let instance = stage.instanceName(stage: "index")
        let runtime = try StageRuntime(stage: "index", instance: instance, curve: try stage.curveConfiguration())
        try await runtime.run(
            IndexService(
                runtime: runtime, index: index,
                sources: inputs.isEmpty ? layout.feeds(of: "tag") : FeedSources(endpoints: inputs),
                control: control ?? layout.control(instance)), exitWithParent: stage.exitWithParent, metrics: stage.metrics,
            metricsAddressFile: stage.metricsAddressFile(stage: "index"))
    }
}
