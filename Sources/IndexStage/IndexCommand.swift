import ArgumentParser
import NewsModel

/// `index`: the stage that makes stories searchable.
public struct IndexCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Store tagged stories in a full-text index (SQLite FTS5) and answer searches.",
        discussion: """
            Subscribes to tag's story.tagged stream and stores each story once per id under the data \
            directory. Answers search requests from `newsctl search` on its control endpoint. Stops cleanly \
            on SIGINT or SIGTERM.
            """)

    @OptionGroup var stage: StageOptions

    @Option(name: .customLong("input"), help: ArgumentHelp("tag's stream endpoint; repeatable (default: <run-dir>/tagged.pub).", valueName: "endpoint"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Control endpoint for search and status (default: <run-dir>/index.ctl).", valueName: "endpoint"))
    var control: String?

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Where index.sqlite lives (default: <run-dir>/data).", valueName: "dir"))
    var dataDirectory: String?

    public init() {}

    public func run() async throws {
        stage.bootstrapLogging()
        let layout = stage.layout
        let index = try StoryIndex(path: (dataDirectory ?? layout.dataDirectory) + "/index.sqlite")
        let runtime = try StageRuntime(stage: "index", instance: stage.instance)
        try await runtime.run(
            IndexService(
                runtime: runtime, index: index, inputs: inputs.isEmpty ? [layout.tagged] : inputs,
                control: control ?? layout.indexControl))
    }
}
