import ArgumentParser
import Foundation
import NewsModel

/// `tag train --data LABELLED.jsonl|DIR … --out MODEL`.
struct TagTrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the topic classifier on labelled stories and write a model file.",
        discussion: """
            A labelled story is a story in the public input format with a "labels" array of strings (topic \
            codes such as medtop:11000000, or any names); its body may be empty (a headline-only item). \
            Features are words and word pairs, hashed; one linear SVM per label (one-vs-rest), with \
            per-label thresholds tuned by cross-validation. With --definitions, every IPTC concept's name \
            and definition is a training document too. With --hold-out N, a fixed 1/N of the stories \
            (by id) is kept out of training and measured at the end, per label.
            """)

    @Option(help: ArgumentHelp("Labelled stories: a JSON Lines file, or a directory of them (repeatable).", valueName: "file|dir"))
    var data: [String]

    @Option(help: ArgumentHelp("Where to write the model.", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp("IPTC Media Topics (mediatopics.json) whose names and definitions are added as documents.", valueName: "file"))
    var definitions: String?

    @Option(name: .customLong("hold-out"), help: "Keep 1 story in N out of training and report on them (0: none).")
    var holdOut = 0

    @Option(name: .customLong("min-examples"), help: "Learn only labels with at least this many training stories.")
    var minExamples = 1

    @Flag(name: .customLong("top-level"), help: "Learn only IPTC top-level codes (subtopics are then the taxonomy's rules').")
    var topLevel = false

    @Option(help: ArgumentHelp("Also write the stories trained on (definitions added, labels kept) as JSON Lines, for a peer to train on.", valueName: "file"))
    var export: String?

    @Option(help: "The SVM cost C (larger fits the training data more closely).")
    var cost: Float = 4

    @Option(help: "Passes over the data per label.")
    var epochs = 15

    @Option(help: "Cross-validation folds for the thresholds (1: all thresholds 0).")
    var folds = 3

    @Option(help: "log2 of the number of feature buckets.")
    var bits = 18

    @Option(help: "Weights smaller than this are left out of the model file.")
    var prune: Float = 0.04

    @Option(name: .customLong("body-words"), help: "How many of a body's words the features read (0: all).")
    var bodyWords = 120

    @Flag(name: .customLong("no-stems"), help: "Do not also count each long word by its first five letters (a crude stem).")
    var noStems = false

    func validate() throws {
        guard !data.isEmpty else { throw ValidationError("give at least one --data file or directory") }
        guard cost > 0 else { throw ValidationError("--cost must be positive") }
        guard (1...1000).contains(epochs) else { throw ValidationError("--epochs must be between 1 and 1000") }
        guard (1...20).contains(folds) else { throw ValidationError("--folds must be between 1 and 20") }
        guard (10...26).contains(bits) else { throw ValidationError("--bits must be between 10 and 26") }
        guard holdOut >= 0, minExamples >= 1 else { throw ValidationError("--hold-out and --min-examples cannot be negative") }
    }

    func run() async throws {
        var settings = TopicClassifier.Settings()
        settings.cost = cost
        settings.epochs = epochs
        settings.folds = folds
        settings.bits = bits
        settings.stems = !noStems
        settings.prune = prune
        settings.bodyTokens = bodyWords > 0 ? bodyWords : nil
        let (paths, out, chosen, definitions, holdOut, minExamples, export, topLevel) = (data, out, settings, definitions, holdOut, minExamples, export, topLevel)
        let started = ContinuousClock.now
        let (model, set, evaluation) = try await DedicatedThread.run(name: "train") { () throws -> (TopicClassifier, TrainingSet, ClassifierEvaluation?) in
            var set = TrainingSet(stories: try LabelledStory.load(paths: paths), holdOutEvery: holdOut)
            if let definitions { try set.addDefinitions(from: definitions) }
            set.keepLabels(withAtLeast: minExamples)
            if topLevel { set.keepLabels(where: TagEvalCommand.isTopLevel) }
            if let export {
                var lines = Data()
                for story in set.training {
                    let object: [String: Any] = ["id": story.input.id ?? "", "headline": story.input.headline, "body": story.input.body, "labels": story.labels]
                    lines += try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) + Data("\n".utf8)
                }
                try lines.write(to: URL(fileURLWithPath: export))
            }
            guard set.training.contains(where: { !$0.labels.isEmpty }) else {
                throw StoryInputError(message: "\(paths.joined(separator: ", ")) has no story with labels")
            }
            let model = TopicClassifier.train(set.training, settings: chosen)
            try model.write(to: out)
            let evaluation = set.heldOut.isEmpty ? nil : ClassifierEvaluation(
                expected: set.heldOut.map { Set($0.labels) },
                predicted: set.heldOut.map { Set(model.predict(headline: $0.input.headline, body: $0.input.body).map(\.label)) })
            return (model, set, evaluation)
        }
        let elapsed = ContinuousClock.now - started
        FileHandle.standardError.write(
            Data("trained on \(set.training.count) stories, \(model.labels.count) labels, in \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))); wrote \(out)\n".utf8))
        if let evaluation {
            print(
                String(
                    format: "held out %d stories: micro-F1 %.4f (precision %.4f, recall %.4f), macro-F1 %.4f", evaluation.stories,
                    evaluation.microF1, evaluation.microPrecision, evaluation.microRecall, evaluation.macroF1))
            print(evaluation.table())
        }
    }
}

/// `tag eval --data LABELLED.jsonl --model MODEL`, or `--tagger` for the whole tagger.
struct TagEvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure topics on labelled stories: micro- and macro-F1, and each label's precision and recall.",
        discussion: """
            By default the classifier model alone is measured, on the labels it knows. With --tagger the \
            whole tagger is (the taxonomy's keyword rules, the model, parents implied), as subscribers see \
            it; --top-level counts only IPTC top-level codes (medtop:NN000000) on both sides.
            """)

    @Option(help: ArgumentHelp("Labelled stories: a JSON Lines file, or a directory of them (repeatable).", valueName: "file|dir"))
    var data: [String]

    @Option(help: ArgumentHelp("The model file from `tag train` (default with --tagger: the bundled one).", valueName: "file"))
    var model: String?

    @Flag(help: "Measure the whole tagger: rules, model and parents.")
    var tagger = false

    @Option(help: ArgumentHelp("With --tagger: a taxonomy file instead of the bundled one.", valueName: "file"))
    var taxonomy: String?

    @Flag(name: .customLong("top-level"), help: "Count only IPTC top-level codes.")
    var topLevel = false

    @Flag(help: "Measure entities instead: --data are annotated CoNLL files, compared as bags of mentions per document and type.")
    var entities = false

    @Option(name: .customLong("entity-model"), help: ArgumentHelp("With --entities: an entity model instead of the bundled one.", valueName: "file"))
    var entityModel: String?

    @Option(name: .customLong("held-out"), help: "With --entities: measure only the 1 document in N that `tag train-entities --hold-out N` kept out.")
    var heldOut = 0

    @Option(help: ArgumentHelp("With --entities: write each document's text and both bags of mentions here (JSON Lines), for a peer.", valueName: "file"))
    var export: String?

    @Flag(help: "Print one JSON object (microF1, macroF1, perLabel, …) instead of text.")
    var json = false

    func validate() throws {
        guard !data.isEmpty else { throw ValidationError("give at least one --data file or directory") }
        guard tagger || entities || model != nil else { throw ValidationError("give --model, or --tagger to measure the whole tagger") }
    }

    /// Whether `code` is an IPTC top-level code.
    static func isTopLevel(_ code: String) -> Bool { code.hasPrefix("medtop:") && code.hasSuffix("000000") }

    func run() async throws {
        if entities {
            let (paths, entityPath, json, heldOut, export) = (data, entityModel, json, heldOut, export)
            let evaluation = try await DedicatedThread.run(name: "eval") { () throws -> EntityEvaluation in
                let gazetteer = try Gazetteer.bundled()
                let model = try entityPath.map { path throws(TagDataError) in try EntitySequenceModel.read(from: path) } ?? EntitySequenceModel.bundled()
                let tagger = Tagger(gazetteer: gazetteer, taxonomy: Taxonomy(version: "none", topics: []), entityModel: model)
                var corpus = try EntityCorpus.load(paths: paths)
                if heldOut > 1 { corpus = corpus.split(holdOutEvery: heldOut).heldOut }
                return try EntityEvaluation.measure(tagger, on: corpus, evidence: EntityEvidence(gazetteer: gazetteer), export: export)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                FileHandle.standardOutput.write(try encoder.encode(evaluation) + Data("\n".utf8))
            } else {
                print(evaluation.report)
            }
            return
        }
        let (paths, modelPath, useTagger, taxonomyPath, topLevel) = (data, model, tagger, taxonomy, topLevel)
        let (evaluation, seconds, names) = try await DedicatedThread.run(name: "eval") { () throws -> (ClassifierEvaluation, Double, [String: String]) in
            let stories = try LabelledStory.load(paths: paths)
            let classifier = try modelPath.map { path throws(TagDataError) in try TopicClassifier.read(from: path) }
            let filter: (Set<String>) -> Set<String> = { topLevel ? $0.filter(Self.isTopLevel) : $0 }
            let start = DispatchTime.now()
            let expected: [Set<String>]
            let predicted: [Set<String>]
            var names: [String: String] = [:]
            if useTagger {
                let taxonomy = try taxonomyPath.map { path throws(TagDataError) in try Taxonomy.load(URL(fileURLWithPath: path)) } ?? Taxonomy.bundled()
                let tagger = Tagger(gazetteer: try Gazetteer.bundled(), taxonomy: taxonomy, classifier: try classifier ?? TopicClassifier.bundled())
                let known = Set(taxonomy.topics.map(\.code))
                for topic in taxonomy.topics { names[topic.code] = topic.label }
                predicted = stories.map { story in
                    filter(Set(tagger.tag(Story(id: "eval", headline: story.input.headline, body: story.input.body)).topics.map(\.code)))
                }
                expected = stories.map { filter(Set($0.labels).intersection(known)) }
            } else {
                let classifier = classifier!
                let known = Set(classifier.labels)
                predicted = stories.map { filter(Set(classifier.predict(headline: $0.input.headline, body: $0.input.body).map(\.label))) }
                expected = stories.map { filter(Set($0.labels).intersection(known)) }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            return (ClassifierEvaluation(expected: expected, predicted: predicted), seconds, names)
        }
        if json {
            var object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(evaluation)) as! [String: Any]
            object["storiesPerSecond"] = Double(evaluation.stories) / max(seconds, 1e-9)
            FileHandle.standardOutput.write(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) + Data("\n".utf8))
        } else {
            print(
                String(
                    format: "%d stories, %d labels: micro-F1 %.4f (precision %.4f, recall %.4f), macro-F1 %.4f; %.0f stories/s",
                    evaluation.stories, evaluation.labels, evaluation.microF1, evaluation.microPrecision, evaluation.microRecall,
                    evaluation.macroF1, Double(evaluation.stories) / max(seconds, 1e-9)))
            print(evaluation.table { code in names[code].map { "\(code) \($0)" } ?? code })
        }
    }
}
