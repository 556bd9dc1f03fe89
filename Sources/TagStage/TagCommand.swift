import ArgumentParser
import Foundation
import NewsModel

/// `tag`: the stage that finds entities and topics in every story.
public struct TagCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Tag stories with entities (places, organisations, people) and topics.",
        discussion: """
            Subscribes to ingest's story.ingested stream, tags each story with the gazetteer and the topic \
            taxonomy, and publishes story.tagged. Stops cleanly on SIGINT or SIGTERM.
            """)

    @OptionGroup var stage: StageOptions

    @Option(name: .customLong("input"), help: ArgumentHelp("ingest's stream endpoint; repeat for several (default: <run-dir>/stories.pub).", valueName: "endpoint"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Endpoint to publish tagged stories on (default: <run-dir>/tagged.pub).", valueName: "endpoint"))
    var publish: String?

    @Option(help: ArgumentHelp("Control endpoint for status (default: <run-dir>/tag.ctl).", valueName: "endpoint"))
    var control: String?

    @Option(help: ArgumentHelp("Directory of gazetteer .tsv files (default: the bundled one).", valueName: "dir"))
    var gazetteer: String?

    @Option(help: ArgumentHelp("Topic taxonomy JSON file (default: the bundled one).", valueName: "file"))
    var taxonomy: String?

    public init() {}

    public func run() async throws {
        stage.bootstrapLogging()
        let layout = stage.layout
        let gazetteerData = try gazetteer.map { path throws(TagDataError) in
            try Gazetteer.load(directory: URL(fileURLWithPath: path, isDirectory: true))
        } ?? Gazetteer.bundled()
        let taxonomyData = try taxonomy.map { path throws(TagDataError) in try Taxonomy.load(URL(fileURLWithPath: path)) }
            ?? Taxonomy.bundled()
        let runtime = try StageRuntime(stage: "tag", instance: stage.instance)
        try await runtime.run(
            TagService(
                runtime: runtime, tagger: Tagger(gazetteer: gazetteerData, taxonomy: taxonomyData),
                inputs: inputs.isEmpty ? [layout.stories] : inputs, publish: publish ?? layout.tagged,
                control: control ?? layout.tagControl))
    }
}
