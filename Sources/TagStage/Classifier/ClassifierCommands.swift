import ArgumentParser
import Foundation
import NewsModel

/// `tag train --data LABELLED.jsonl --out MODEL`.
struct TagTrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the topic classifier on labelled stories and write a model file.",
        discussion: """
            A labelled story is a story in the public input format with a "labels" array of strings (topic \\
            codes such as medtop:11000000, or any names). Features are words and word pairs, hashed; one \\
            linear SVM per label (one-vs-rest), with per-label thresholds tuned by cross-validation.
            """)

    @Option(help: ArgumentHelp("Labelled stories, JSON Lines.", valueName: "file"))
    var data: String

    @Option(help: ArgumentHelp("Where to write the model.", valueName: "file"))
    var out: String

    @Option(help: "The SVM cost C (larger fits the training data more closely).")
    var cost: Float = 4

    @Option(help: "Passes over the data per label.")
    var epochs = 15

    @Option(help: "Cross-validation folds for the thresholds (1: all thresholds 0).")
    var folds = 3

    @Option(help: "log2 of the number of feature buckets.")
    var bits = 18

    func validate() throws {
        guard cost > 0 else { throw ValidationError("--cost must be positive") }
        guard (1...1000).contains(epochs) else { throw ValidationError("--epochs must be between 1 and 1000") }
        guard (1...20).contains(folds) else { throw ValidationError("--folds must be between 1 and 20") }
        guard (10...26).contains(bits) else { throw ValidationError("--bits must be between 10 and 26") }
    }

    func run() async throws {
        var settings = TopicClassifier.Settings()
        settings.cost = cost
        settings.epochs = epochs
        settings.folds = folds
        settings.bits = bits
        let (path, out, chosen) = (data, out, settings)
        let started = ContinuousClock.now
        let (model, stories) = try await DedicatedThread.run(name: "train") { () throws -> (TopicClassifier, Int) in
            let stories = try LabelledStory.load(path: path)
            guard stories.contains(where: { !$0.labels.isEmpty }) else {
                throw StoryInputError(message: "\(path) has no story with labels")
            }
            let model = TopicClassifier.train(stories, settings: chosen)
            try model.write(to: out)
            return (model, stories.count)
        }
        let elapsed = ContinuousClock.now - started
        FileHandle.standardError.write(
            Data("trained on \(stories) stories, \(model.labels.count) labels, in \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))); wrote \(out)\n".utf8))
    }
}

/// `tag eval --data LABELLED.jsonl --model MODEL`.
struct TagEvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a classifier model on labelled stories: micro- and macro-F1.",
        discussion: "Only the labels the model knows are counted in the expected sets.")

    @Option(help: ArgumentHelp("Labelled stories, JSON Lines.", valueName: "file"))
    var data: String

    @Option(help: ArgumentHelp("The model file from `tag train`.", valueName: "file"))
    var model: String

    @Flag(help: "Print one JSON object (microF1, macroF1, …) instead of text.")
    var json = false

    func run() async throws {
        let (path, modelPath) = (data, model)
        let (evaluation, seconds) = try await DedicatedThread.run(name: "eval") { () throws -> (ClassifierEvaluation, Double) in
            let classifier = try TopicClassifier.read(from: modelPath)
            let stories = try LabelledStory.load(path: path)
            let known = Set(classifier.labels)
            let start = DispatchTime.now()
            let predicted = stories.map { Set(classifier.predict(headline: $0.input.headline, body: $0.input.body).map(\.label)) }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            return (ClassifierEvaluation(expected: stories.map { Set($0.labels).intersection(known) }, predicted: predicted), seconds)
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
        }
    }
}
