import ArgumentParser
import Foundation
import NewsModel
import NewsTransport
import StageRuntime

/// `tag`: the stage that finds entities and topics in every story (`tag run`, the default), and the
/// tagger on its own (`tag parse`).
public struct TagCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Tag stories with entities (places, organisations, people) and topics.",
        subcommands: [TagRunCommand.self, TagParseCommand.self, TagTrainCommand.self, TagTrainEntitiesCommand.self, TagEvalCommand.self],
        defaultSubcommand: TagRunCommand.self)

    public init() {}
}

/// The tagger's data: the bundled gazetteer and taxonomy, or the user's.
struct TaggerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Directory of gazetteer .tsv files (default: the bundled one).", valueName: "dir"))
    var gazetteer: String?

    @Option(help: ArgumentHelp("Topic taxonomy JSON file (default: the bundled one).", valueName: "file"))
    var taxonomy: String?

    @Option(name: .customLong("topics"), help: ArgumentHelp("Your own topics, in the taxonomy's format, added to it (a known code replaces that topic); repeatable.", valueName: "file"))
    var extraTopics: [String] = []

    @Option(help: ArgumentHelp("Classifier model from `tag train` (default: the bundled one).", valueName: "file"))
    var model: String?

    @Flag(help: "Tag with the gazetteer and the taxonomy's keywords only, without a classifier model.")
    var noModel = false

    @Option(name: .customLong("entity-model"), help: ArgumentHelp("Entity model from `tag train-entities` (default: the bundled one).", valueName: "file"))
    var entityModel: String?

    @Flag(name: .customLong("no-entity-model"), help: "Find entities with the gazetteer and name rules only, without the entity model.")
    var noEntityModel = false

    /// The tagger built from the chosen data.
    func tagger() throws -> Tagger {
        let gazetteerData = try gazetteer.map { path throws(TagDataError) in
            try Gazetteer.load(directory: URL(fileURLWithPath: path, isDirectory: true))
        } ?? Gazetteer.bundled()
        var taxonomyData = try taxonomy.map { path throws(TagDataError) in try Taxonomy.load(URL(fileURLWithPath: path)) }
            ?? Taxonomy.bundled()
        for file in extraTopics { taxonomyData = try taxonomyData.adding(URL(fileURLWithPath: file)) }
        let classifier = noModel ? nil : try model.map { path throws(TagDataError) in try TopicClassifier.read(from: path) } ?? TopicClassifier.bundled()
        let entities = noEntityModel
            ? nil : try entityModel.map { path throws(TagDataError) in try EntitySequenceModel.read(from: path) } ?? EntitySequenceModel.bundled()
        let tagger = Tagger(gazetteer: gazetteerData, taxonomy: taxonomyData, classifier: classifier, entityModel: entities)
        if !tagger.unknownModelLabels.isEmpty {
            FileHandle.standardError.write(
                Data("warning: the model's labels \(tagger.unknownModelLabels.joined(separator: ", ")) are not topics of the taxonomy; they are ignored\n".utf8))
        }
        return tagger
    }
}

/// `tag run`: the stage itself.
struct TagRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the stage (the default): tag every story ingest journals.",
        discussion: """
            Reads the feeds of every ingest replica as a member of the tag group (replicas share the \
            stories), tags each story with the gazetteer and the topic taxonomy, and journals it on its own \
            feed for index and notify. Stops cleanly on SIGINT or SIGTERM.
            """)

    @OptionGroup var stage: StageOptions

    @OptionGroup var data: TaggerOptions

    @Option(name: .customLong("input"), help: ArgumentHelp("An ingest feed endpoint; repeatable (default: every <run-dir>/ingest-*.feed).", valueName: "endpoint"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Endpoint of the reliable feed (default: <run-dir>/<instance>.feed).", valueName: "endpoint"))
    var feed: String?

    @Option(help: ArgumentHelp("Control endpoint for status (default: <run-dir>/<instance>.ctl).", valueName: "endpoint"))
    var control: String?

    func run() async throws {
        stage.bootstrapLogging()
        let layout = stage.layout
        let tagger = try data.tagger()
        let instance = stage.instanceName(stage: "tag")
        let runtime = try StageRuntime(stage: "tag", instance: instance, curve: try stage.curveConfiguration())
        try await runtime.run(
            TagService(
                runtime: runtime, tagger: tagger,
                sources: inputs.isEmpty ? layout.feeds(of: "ingest") : FeedSources(endpoints: inputs),
                feed: feed ?? layout.feed(instance), control: control ?? layout.control(instance),
                dataDirectory: stage.resolvedDataDirectory, retention: stage.retention), exitWithParent: stage.exitWithParent, metrics: stage.metrics,
            metricsAddressFile: stage.metricsAddressFile(stage: "tag"))
    }
}

/// `tag parse FILE|-`: the tagger on its own, without the pipeline.
struct TagParseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Print input stories tagged, as JSON Lines, without starting the pipeline.",
        discussion: """
            Reads stories in the public input format (JSON Lines: "headline" and "body", and optionally \
            "id", "url", "source", "publishedAt", "language"; other keys such as "labels" are ignored) and \
            prints each one tagged: entities with their type, id, canonical name, mentions (offsets in \
            Unicode scalars) and the reason, topics with their code, label, score and reason. A bad line \
            is reported on stderr with its number and the rest goes on; the exit status is 1 if there were any.
            """)

    @OptionGroup var data: TaggerOptions

    @Argument(help: ArgumentHelp("The stories; - reads stdin.", valueName: "file"))
    var input: String

    func run() async throws {
        let tagger = try data.tagger()
        let lines: AsyncStream<InputLine>
        do {
            lines = try LineFileReader.lines(of: input)
        } catch {
            throw TagParseFailure(description: error.description)
        }
        let encoder = JSONCoding.encoder()
        let received = Date()
        var problems = 0
        for await line in lines {
            do {
                guard let story = try line.storyInput()?.story(receivedAt: received) else { continue }
                FileHandle.standardOutput.write(try encoder.encode(tagger.tag(story, at: received)) + Data("\n".utf8))
            } catch let error as StoryInputError {
                problems += 1
                FileHandle.standardError.write(Data("\(input):\(line.number): refused: \(error.message)\n".utf8))
            }
        }
        if problems > 0 { throw ExitCode.failure }
    }
}

/// An input `tag parse` cannot read at all; printed as one line, without the usage text.
struct TagParseFailure: Error, CustomStringConvertible {
    let description: String
}
