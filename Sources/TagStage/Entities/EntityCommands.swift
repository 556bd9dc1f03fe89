import ArgumentParser
import Foundation
import NewsModel

/// `tag train-entities --data CONLL|DIR … --out MODEL`.
struct TagTrainEntitiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-entities",
        abstract: "Train the entity model on annotated sentences and write a model file.",
        discussion: """
            Reads CoNLL-style files (a token and its tag per line; IOB1 or IOB2; PER/ORG/LOC, WNUT's \\
            person/corporation/group/location; CoNLL-U style columns) or directories of them. An averaged \\
            perceptron over word, shape, affix, neighbour, position, gazetteer and word-list features; with \\
            --hold-out N, a fixed 1 in N documents (by file name and number) is kept out and measured at \\
            the end per type, as bags of mentions per document.
            """)

    @Option(help: ArgumentHelp("Annotated sentences: a file or a directory of them (repeatable).", valueName: "file|dir"))
    var data: [String]

    @Option(help: ArgumentHelp("Where to write the model.", valueName: "file"))
    var out: String

    @Option(name: .customLong("hold-out"), help: "Keep 1 document in N out of training and report on them (0: none).")
    var holdOut = 0

    @Option(help: "Passes over the data.")
    var epochs = 8

    @Option(help: "log2 of the number of feature buckets.")
    var bits = 18

    @Option(help: ArgumentHelp("Directory of gazetteer .tsv files (default: the bundled one).", valueName: "dir"))
    var gazetteer: String?

    func validate() throws {
        guard !data.isEmpty else { throw ValidationError("give at least one --data file or directory") }
        guard (1...100).contains(epochs) else { throw ValidationError("--epochs must be between 1 and 100") }
        guard (12...22).contains(bits) else { throw ValidationError("--bits must be between 12 and 22") }
        guard holdOut >= 0 else { throw ValidationError("--hold-out cannot be negative") }
    }

    func run() async throws {
        let (paths, out, holdOut, epochs, bits, gazetteerPath) = (data, out, holdOut, epochs, bits, gazetteer)
        let started = ContinuousClock.now
        let (model, evaluation, documents) = try await DedicatedThread.run(name: "train-entities") { () throws -> (EntitySequenceModel, EntityEvaluation?, Int) in
            let gazetteer = try gazetteerPath.map { path throws(TagDataError) in try Gazetteer.load(directory: URL(fileURLWithPath: path, isDirectory: true)) }
                ?? Gazetteer.bundled()
            let evidence = EntityEvidence(gazetteer: gazetteer)
            let (training, heldOut) = try EntityCorpus.load(paths: paths).split(holdOutEvery: holdOut)
            let model = EntitySequenceModel.train(training, evidence: evidence, bits: bits, epochs: epochs)
            try model.write(to: out)
            let evaluation = heldOut.documents.isEmpty
                ? nil
                : try EntityEvaluation.measure(
                    Tagger(gazetteer: gazetteer, taxonomy: Taxonomy(version: "none", topics: []), entityModel: model), on: heldOut, evidence: evidence)
            return (model, evaluation, training.documents.count)
        }
        let elapsed = ContinuousClock.now - started
        FileHandle.standardError.write(
            Data("trained on \(documents) documents (\(model.header.trainedOn) sentences) in \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))); wrote \(out)\n".utf8))
        if let evaluation { print(evaluation.report) }
    }
}

extension EntityEvaluation {
    /// The figures as lines of text: overall, then per type.
    var report: String {
        ([overall] + perType).map {
            String(
                format: "%@: bag-of-mentions precision %.3f recall %.3f F1 %.3f (%d expected, %d found)", ($0.type == "all" ? "\(documents) documents, all types" : "  " + $0.type) as NSString,
                $0.precision, $0.recall, $0.f1, $0.expected, $0.found)
        }.joined(separator: "\n")
    }
}
