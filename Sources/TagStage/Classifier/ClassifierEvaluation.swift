import Foundation

/// How well predicted label sets match the expected ones: micro-F1 (over every decision) and macro-F1
/// (the mean of per-label F1 over the labels that occur in the expected or predicted sets).
public struct ClassifierEvaluation: Sendable, Codable, Hashable {
    /// Stories evaluated.
    public var stories: Int
    /// Labels averaged in macro-F1.
    public var labels: Int
    /// Micro-averaged precision.
    public var microPrecision: Double
    /// Micro-averaged recall.
    public var microRecall: Double
    /// Micro-averaged F1.
    public var microF1: Double
    /// Macro-averaged F1.
    public var macroF1: Double
    /// Each label's figures, by label.
    public var perLabel: [LabelFigures]

    /// One label's precision and recall.
    public struct LabelFigures: Sendable, Codable, Hashable {
        /// The label.
        public var label: String
        /// Stories that should have it.
        public var expected: Int
        /// Stories that got it.
        public var predicted: Int
        /// Stories that got it and should have.
        public var correct: Int
        /// correct / predicted (0 when nothing was predicted).
        public var precision: Double { predicted > 0 ? Double(correct) / Double(predicted) : 0 }
        /// correct / expected (0 when nothing was expected).
        public var recall: Double { expected > 0 ? Double(correct) / Double(expected) : 0 }
        /// The harmonic mean of the two.
        public var f1: Double { expected + predicted > 0 ? 2 * Double(correct) / Double(expected + predicted) : 0 }

        enum CodingKeys: String, CodingKey { case label, expected, predicted, correct, precision, recall, f1 }

        /// Creates figures.
        public init(label: String, expected: Int, predicted: Int, correct: Int) {
            (self.label, self.expected, self.predicted, self.correct) = (label, expected, predicted, correct)
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            label = try container.decode(String.self, forKey: .label)
            expected = try container.decode(Int.self, forKey: .expected)
            predicted = try container.decode(Int.self, forKey: .predicted)
            correct = try container.decode(Int.self, forKey: .correct)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(label, forKey: .label)
            try container.encode(expected, forKey: .expected)
            try container.encode(predicted, forKey: .predicted)
            try container.encode(correct, forKey: .correct)
            try container.encode(precision, forKey: .precision)
            try container.encode(recall, forKey: .recall)
            try container.encode(f1, forKey: .f1)
        }
    }

    /// One line per label: precision, recall, F1 and the counts, labels named by `name`.
    public func table(name: (String) -> String = { $0 }) -> String {
        perLabel.map {
            String(
                format: "  %-44@ precision %.3f recall %.3f F1 %.3f (%d expected, %d predicted)", name($0.label) as NSString,
                $0.precision, $0.recall, $0.f1, $0.expected, $0.predicted)
        }.joined(separator: "\n")
    }

    /// Compares predicted with expected label sets, story by story.
    public init(expected: [Set<String>], predicted: [Set<String>]) {
        precondition(expected.count == predicted.count, "one prediction per story")
        var truePositives: [String: Int] = [:]
        var falsePositives: [String: Int] = [:]
        var falseNegatives: [String: Int] = [:]
        for (gold, guess) in zip(expected, predicted) {
            for label in gold.intersection(guess) { truePositives[label, default: 0] += 1 }
            for label in guess.subtracting(gold) { falsePositives[label, default: 0] += 1 }
            for label in gold.subtracting(guess) { falseNegatives[label, default: 0] += 1 }
        }
        let all = Set(truePositives.keys).union(falsePositives.keys).union(falseNegatives.keys)
        let tp = Double(truePositives.values.reduce(0, +))
        let fp = Double(falsePositives.values.reduce(0, +))
        let fn = Double(falseNegatives.values.reduce(0, +))
        stories = expected.count
        labels = all.count
        microPrecision = tp + fp > 0 ? tp / (tp + fp) : 0
        microRecall = tp + fn > 0 ? tp / (tp + fn) : 0
        microF1 = tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0
        macroF1 = all.isEmpty ? 0 : all.map { label -> Double in
            let t = Double(truePositives[label] ?? 0)
            let denominator = 2 * t + Double(falsePositives[label] ?? 0) + Double(falseNegatives[label] ?? 0)
            return denominator > 0 ? 2 * t / denominator : 0
        }.reduce(0, +) / Double(all.count)
        perLabel = all.sorted().map { label in
            let correct = truePositives[label] ?? 0
            return LabelFigures(
                label: label, expected: correct + (falseNegatives[label] ?? 0), predicted: correct + (falsePositives[label] ?? 0),
                correct: correct)
        }
    }
}
