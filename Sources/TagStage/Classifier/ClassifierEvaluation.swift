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
    }
}
