import Dispatch
import Foundation
import NewsModel

/// A multi-label linear text classifier: one linear SVM per label (one-vs-rest) over ``TextFeatures``,
/// trained by dual coordinate descent on the L2-loss (squared hinge) objective, the method of
/// LIBLINEAR and scikit-learn's `LinearSVC`; each label has its own decision threshold, tuned by
/// cross-validation on the training data to maximise that label's F1.
public struct TopicClassifier: Sendable, CustomStringConvertible {
    /// How a model was trained.
    public struct Settings: Sendable, Codable, Hashable {
        /// log2 of the number of feature buckets.
        public var bits = 18
        /// The SVM's cost: larger fits the training data more closely.
        public var cost: Float = 4
        /// Weights smaller than this are dropped from the model (they change no decision measurably).
        public var prune: Float = 0.04
        /// Passes over the training data per label.
        public var epochs = 15
        /// Folds for tuning the thresholds (0 or 1: every threshold is 0).
        public var folds = 3
        /// Whether words also count by their stems (``TextFeatures/stems``); absent (off) in older
        /// models.
        public var stems: Bool? = true
        /// How many of a body's words the features read (``TextFeatures/bodyTokens``); absent (all)
        /// in older models.
        public var bodyTokens: Int? = 120
        /// Creates the default settings.
        public init() {}
    }

    /// What a model file records besides its weights.
    public struct Header: Sendable, Codable, Hashable {
        /// The format version (see ClassifierFile.swift).
        public var format = 2
        /// The labels, in weight order.
        public var labels: [String]
        /// Per-label bias.
        public var biases: [Float]
        /// Per-label decision threshold on the score.
        public var thresholds: [Float]
        /// The settings used.
        public var settings: Settings
        /// How many stories it was trained on.
        public var trainedOn: Int
        /// When it was trained.
        public var trainedAt: Date
        /// The labels a story without any predicted one may still get its best of (IPTC top-level
        /// codes when the model has them, else every label); absent in older models.
        public var primaryLabels: [String]?
        /// How far below its threshold the best primary label may score and still be given to a story
        /// that has no primary label: the lowest score at which such guesses were right two times in three
        /// the time in cross-validation. Absent: no such guess.
        public var fallbackFloor: Float?
    }

    /// The labels, biases, thresholds and training facts.
    public let header: Header
    /// The features (with the IDF learned in training).
    public let features: TextFeatures
    /// Per-label weights, sparse.
    let weights: [SparseVector]
    /// The weights transposed for scoring: for bucket `b`, entries `offsets[b]..<offsets[b+1]` of
    /// `labelWeights`, each a label and its weight side by side (one cache line, not two: scoring is
    /// bound by these look-ups).
    private let offsets: [Int32]
    private let labelWeights: [LabelWeight]
    /// One bit per bucket: whether any label weighs it. Small enough to stay in cache (32 KiB at 18
    /// bits), it spares the two look-ups above for a story's buckets that pruning emptied.
    private let weighted: [UInt64]

    /// One label's weight of a bucket, in 4 bytes: the label and the weight's Float16 bits (a model
    /// keeps Float16 precision, so nothing is lost), so that more of the model stays in cache.
    private struct LabelWeight {
        var label: UInt16
        var half: UInt16

        init(label: Int, value: Float) {
            self.label = UInt16(label)
            self.half = Float16(value).bitPattern
        }

        /// The weight: normal numbers widened by moving bits (no conversion call), others by Float16.
        @inline(__always) var value: Float {
            let exponent = (half >> 10) & 0x1F
            guard exponent != 0 && exponent != 0x1F else { return Float(Float16(bitPattern: half)) }
            let bits = UInt32(half & 0x8000) << 16 | (UInt32(exponent) + 112) << 23 | UInt32(half & 0x3FF) << 13
            return Float(bitPattern: bits)
        }
    }

    init(header: Header, features: TextFeatures, weights: [SparseVector]) {
        self.header = header
        self.primary = (header.primaryLabels ?? []).compactMap { header.labels.firstIndex(of: $0) }
        self.features = features
        self.weights = weights
        // Buffers, not arrays, in these loops: a model has a million weights and this runs at start-up.
        var counts = [Int32](repeating: 0, count: (1 << features.bits) + 1)
        counts.withUnsafeMutableBufferPointer { counts in
            for vector in weights { vector.indices.withUnsafeBufferPointer { for index in $0 { counts[Int(index) + 1] += 1 } } }
            for bucket in 1..<counts.count { counts[bucket] += counts[bucket - 1] }
        }
        var fill = counts
        var values = [LabelWeight](repeating: LabelWeight(label: 0, value: 0), count: Int(counts.last!))
        fill.withUnsafeMutableBufferPointer { fill in
            values.withUnsafeMutableBufferPointer { values in
                for (label, vector) in weights.enumerated() {
                    vector.indices.withUnsafeBufferPointer { indices in
                        vector.values.withUnsafeBufferPointer { weights in
                            for position in 0..<indices.count {
                                let bucket = Int(indices[position])
                                let slot = Int(fill[bucket])
                                values[slot] = LabelWeight(label: label, value: weights[position])
                                fill[bucket] += 1
                            }
                        }
                    }
                }
            }
        }
        offsets = counts
        labelWeights = values
        var weighted = [UInt64](repeating: 0, count: ((1 << features.bits) + 63) / 64)
        for bucket in 0..<(1 << features.bits) where counts[bucket + 1] > counts[bucket] {
            weighted[bucket >> 6] |= 1 << UInt64(bucket & 63)
        }
        self.weighted = weighted
    }

    /// The labels it knows.
    public var labels: [String] { header.labels }

    /// The model in one line: its labels and training size, not its weights.
    public var description: String { "TopicClassifier(\(header.labels.count) labels, trained on \(header.trainedOn))" }

    /// Every label's score (the SVM margin minus the label's threshold: positive means predicted).
    public func scores(headline: String, body: String) -> [Float] {
        scores(features.vector(headline: headline, body: body))
    }

    /// Every label's score for a story already tokenised (``TextTokenizer/tokens(in:)``).
    public func scores(headline: [TextTokenizer.Token], body: [TextTokenizer.Token]) -> [Float] {
        scores(features.vector(headline: headline, body: body))
    }

    private func scores(_ vector: SparseVector) -> [Float] {
        var scores = zip(header.biases, header.thresholds).map { $0 - $1 }
        // Two passes over the story's buckets, on buffers (this runs for every feature of every story):
        // first each weighted bucket's range of entries, then the entries. The look-ups of one pass do
        // not wait on each other, so the processor overlaps their cache misses, which are the cost.
        var ranges: [(start: Int32, end: Int32, value: Float)] = []
        ranges.reserveCapacity(vector.indices.count)
        offsets.withUnsafeBufferPointer { offsets in
            weighted.withUnsafeBufferPointer { weighted in
                vector.indices.withUnsafeBufferPointer { indices in
                    vector.values.withUnsafeBufferPointer { values in
                        for position in 0..<indices.count {
                            let bucket = Int(indices[position])
                            guard weighted[bucket >> 6] & (1 << UInt64(bucket & 63)) != 0 else { continue }
                            ranges.append((offsets[bucket], offsets[bucket + 1], values[position]))
                        }
                    }
                }
            }
        }
        scores.withUnsafeMutableBufferPointer { scores in
            labelWeights.withUnsafeBufferPointer { weights in
                for (start, end, value) in ranges {
                    for slot in Int(start)..<Int(end) {
                        scores[Int(weights[slot].label)] += weights[slot].value * value
                    }
                }
            }
        }
        return scores
    }

    /// The predicted labels with their scores, best first.
    public func predict(headline: String, body: String) -> [(label: String, score: Float)] {
        predicted(scores(headline: headline, body: body))
    }

    /// The predicted labels of a story already tokenised, best first.
    public func predict(headline: [TextTokenizer.Token], body: [TextTokenizer.Token]) -> [(label: String, score: Float)] {
        predicted(scores(headline: headline, body: body))
    }

    private func predicted(_ scores: [Float]) -> [(label: String, score: Float)] {
        var predicted = scores.enumerated().filter { $0.element > 0 }.map { (header.labels[$0.offset], $0.element) }
        if let floor = header.fallbackFloor, !primary.isEmpty, !primary.contains(where: { scores[$0] > 0 }),
            let best = primary.max(by: { scores[$0] < scores[$1] }), scores[best] >= floor
        {
            predicted.append((header.labels[best], scores[best]))
        }
        return predicted.sorted { $0.1 > $1.1 }
    }

    /// The indices of ``Header/primaryLabels``, found once.
    private let primary: [Int]

    /// Whether `label` is an IPTC top-level code (`medtop:NN000000`).
    static func isTopLevel(_ label: String) -> Bool { label.hasPrefix("medtop:") && label.hasSuffix("000000") }
}

// MARK: - Training

extension TopicClassifier {
    /// Trains a model on labelled stories. Runs on the calling thread, using every core through
    /// Dispatch: call it from a dedicated thread, not from async code.
    public static func train(_ stories: [LabelledStory], settings: Settings = Settings()) -> TopicClassifier {
        let labels = Array(Set(stories.flatMap(\.labels))).sorted()
        let raw = TextFeatures(bits: settings.bits, stems: settings.stems ?? false, bodyTokens: settings.bodyTokens)
        // Document frequencies, then IDF (smoothed, as scikit-learn's TfidfVectorizer does).
        var documentFrequency = [Float](repeating: 0, count: 1 << settings.bits)
        let counts = stories.map { raw.counts(headline: $0.input.headline, body: $0.input.body) }
        for document in counts { for bucket in document.keys { documentFrequency[Int(bucket)] += 1 } }
        let total = Float(stories.count)
        // At the precision the model file keeps (Float16), so that a model scores the same before and
        // after it is written and read.
        let idf = documentFrequency.map { Float(Float16(log((1 + total) / (1 + $0)) + 1)) }
        let features = TextFeatures(bits: settings.bits, idf: idf, stems: settings.stems ?? false, bodyTokens: settings.bodyTokens)
        let vectors = stories.map { features.vector(headline: $0.input.headline, body: $0.input.body) }
        let targets = labels.map { label in stories.map { $0.labels.contains(label) } }

        // Thresholds from cross-validation: each fold's stories scored by a model trained on the others.
        var thresholds = [Float](repeating: 0, count: labels.count)
        let primaryLabels = labels.contains(where: isTopLevel) ? labels.filter(isTopLevel) : labels
        var fallbackFloor: Float?
        if settings.folds > 1 && stories.count >= settings.folds * 2 {
            var heldOutScores = [[Float]](repeating: [Float](repeating: 0, count: stories.count), count: labels.count)
            let fold = (0..<stories.count).map { $0 % settings.folds }
            for k in 0..<settings.folds {
                let training = (0..<stories.count).filter { fold[$0] != k }
                let testing = (0..<stories.count).filter { fold[$0] == k }
                let models = trainLabels(
                    vectors: training.map { vectors[$0] }, targets: targets.map { t in training.map { t[$0] } }, settings: settings,
                    keepDense: true)
                for (label, model) in models.enumerated() {
                    for index in testing { heldOutScores[label][index] = model.score(vectors[index]) }
                }
            }
            for label in labels.indices {
                thresholds[label] = bestThreshold(scores: heldOutScores[label], targets: targets[label])
            }
            let primary = primaryLabels.compactMap { labels.firstIndex(of: $0) }
            fallbackFloor = Self.fallbackFloor(
                scores: heldOutScores, thresholds: thresholds, targets: targets, primary: primary, stories: stories.count)
        }
        let models = trainLabels(vectors: vectors, targets: targets, settings: settings, keepDense: false)
        let header = Header(
            labels: labels, biases: models.map(\.bias), thresholds: thresholds, settings: settings, trainedOn: stories.count,
            trainedAt: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)),  // whole seconds, as the file keeps it
            primaryLabels: primaryLabels, fallbackFloor: fallbackFloor)
        let weights = models.map { SparseVector(indices: $0.weights.indices, values: $0.weights.values.map { Float(Float16($0)) }) }
        return TopicClassifier(header: header, features: features, weights: weights)
    }

    /// One label's linear model.
    struct LabelModel: Sendable {
        var weights: SparseVector
        var bias: Float
        var dense: [Float]

        func score(_ vector: SparseVector) -> Float {
            var sum = bias
            for (index, value) in zip(vector.indices, vector.values) { sum += dense[Int(index)] * value }
            return sum
        }
    }

    /// Trains one model per label, labels spread over the cores.
    static func trainLabels(vectors: [SparseVector], targets: [[Bool]], settings: Settings, keepDense: Bool) -> [LabelModel] {
        let results = UnsafeMutableBufferPointer<LabelModel?>.allocate(capacity: targets.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        nonisolated(unsafe) let output = results
        DispatchQueue.concurrentPerform(iterations: targets.count) { label in
            var model = trainOne(vectors: vectors, positive: targets[label], settings: settings, seed: UInt64(label))
            if !keepDense { model.dense = [] }
            output[label] = model
        }
        return results.map { $0! }
    }

    /// Dual coordinate descent for the L2-loss linear SVM with a bias feature of 1 (Hsieh et al. 2008,
    /// LIBLINEAR's solver 1, without shrinking).
    static func trainOne(vectors: [SparseVector], positive: [Bool], settings: Settings, seed: UInt64) -> LabelModel {
        let buckets = 1 << settings.bits
        var w = [Float](repeating: 0, count: buckets)
        var bias: Float = 0
        let diagonal = 1 / (2 * settings.cost)
        var alpha = [Float](repeating: 0, count: vectors.count)
        let q = vectors.map { vector in vector.values.reduce(0) { $0 + $1 * $1 } + 1 + diagonal }
        var order = Array(vectors.indices)
        var random = SplitMix64(seed: seed &+ 0x5EED)
        for _ in 0..<settings.epochs {
            order.shuffle(using: &random)
            var largest: Float = -.infinity
            var smallest: Float = .infinity
            for i in order {
                let y: Float = positive[i] ? 1 : -1
                let vector = vectors[i]
                var margin = bias
                for (index, value) in zip(vector.indices, vector.values) { margin += w[Int(index)] * value }
                let gradient = y * margin - 1 + diagonal * alpha[i]
                let projected = alpha[i] == 0 ? min(gradient, 0) : gradient
                largest = max(largest, projected)
                smallest = min(smallest, projected)
                guard projected != 0 else { continue }
                let old = alpha[i]
                alpha[i] = max(old - gradient / q[i], 0)
                let step = (alpha[i] - old) * y
                for (index, value) in zip(vector.indices, vector.values) { w[Int(index)] += step * value }
                bias += step
            }
            if largest - smallest < 0.01 { break }
        }
        var indices: [Int32] = []
        var values: [Float] = []
        for (index, weight) in w.enumerated() where abs(weight) >= settings.prune {
            indices.append(Int32(index))
            values.append(weight)
        }
        return LabelModel(weights: SparseVector(indices: indices, values: values), bias: bias, dense: w)
    }

    /// The fallback floor from held-out scores: among stories with a primary label but none predicted,
    /// the best primary label's guesses, best first; the floor is the lowest score down to which at
    /// least two thirds of them were right (none: nil).
    static func fallbackFloor(scores: [[Float]], thresholds: [Float], targets: [[Bool]], primary: [Int], stories: Int) -> Float? {
        var guesses: [(score: Float, right: Bool)] = []
        for story in 0..<stories {
            guard primary.contains(where: { targets[$0][story] }) else { continue }
            let margins = primary.map { scores[$0][story] - thresholds[$0] }
            guard !margins.contains(where: { $0 > 0 }), let best = margins.indices.max(by: { margins[$0] < margins[$1] }) else { continue }
            guesses.append((margins[best], targets[primary[best]][story]))
        }
        guesses.sort { $0.score > $1.score }
        var right = 0
        var floor: Float?
        for (count, guess) in guesses.enumerated() {
            if guess.right { right += 1 }
            if 3 * right >= 2 * (count + 1) { floor = guess.score }
        }
        return floor
    }

    /// The threshold that maximises F1 over held-out scores, kept within [-0.5, 0.5] of the SVM's own 0.
    static func bestThreshold(scores: [Float], targets: [Bool]) -> Float {
        let positives = targets.filter { $0 }.count
        guard positives > 0 else { return 0 }
        let ranked = zip(scores, targets).sorted { $0.0 > $1.0 }
        var best: (f1: Float, threshold: Float) = (-1, 0)
        var truePositives = 0
        for (rank, entry) in ranked.enumerated() {
            if entry.1 { truePositives += 1 }
            let next = rank + 1 < ranked.count ? ranked[rank + 1].0 : entry.0 - 1
            let threshold = (entry.0 + next) / 2
            guard threshold >= -0.5 && threshold <= 0.5 else { continue }
            let predicted = rank + 1
            let f1 = 2 * Float(truePositives) / Float(predicted + positives)
            if f1 > best.f1 { best = (f1, threshold) }
        }
        return best.f1 < 0 ? 0 : best.threshold
    }
}
