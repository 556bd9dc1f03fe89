import ArgumentParser
import Foundation
import NewsModel

/// `tag`: the stage that finds entities and topics in every story.
public struct TagCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Tag stories with entities (places, organisations, people) and topics.",
        discussion: """
            Reads the feeds of every ingest replica as a member of the tag group (replicas share the \
            stories), tags each story with the gazetteer and the topic taxonomy, and journals it on its own \
            feed for index and notify. Stops cleanly on SIGINT or SIGTERM.
            """)

    @OptionGroup var stage: StageOptions

    @Option(name: .customLong("input"), help: ArgumentHelp("An ingest feed endpoint; repeatable (default: every <run-dir>/ingest-*.feed).", valueName: "endpoint"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Endpoint of the reliable feed (default: <run-dir>/<instance>.feed).", valueName: "endpoint"))
    var feed: String?

    @Option(help: ArgumentHelp("Control endpoint for status (default: <run-dir>/<instance>.ctl).", valueName: "endpoint"))
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
        let instance = stage.instanceName(stage: "tag")
        let runtime = try StageRuntime(stage: "tag", instance: instance)
        try await runtime.run(
            TagService(
                runtime: runtime, tagger: Tagger(gazetteer: gazetteerData, taxonomy: taxonomyData),
                sources: inputs.isEmpty ? layout.feeds(of: "ingest") : FeedSources(endpoints: inputs),
                feed: feed ?? layout.feed(instance), control: control ?? layout.control(instance),
                dataDirectory: stage.resolvedDataDirectory, retention: stage.retention), exitWithParent: stage.exitWithParent)
    }
}
