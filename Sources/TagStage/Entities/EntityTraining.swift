import Foundation
import NewsModel

/// An annotated sentence as the entity model sees it: the tokenizer's tokens of its text, their
/// gold label indices, and its context.
struct EntitySentence {
    var text: String
    var tokens: [TextTokenizer.Token]
    var gold: [Int]
    var context: EntitySequenceModel.Context

    /// The sentence's tokens joined by spaces, tokenised as stories are, each token labelled with its
    /// annotated token's tag (`B-` only on the first piece of a token the tokenizer splits, such as
    /// `U.S.`); punctuation, which the tokenizer drops, goes with it.
    init(_ annotated: [EntityCorpus.Token], evidence: EntityEvidence) {
        var text = ""
        var starts: [(utf8: Int, tag: String)] = []
        for token in annotated {
            if !text.isEmpty { text += " " }
            starts.append((text.utf8.count, token.tag))
            text += token.text
        }
        let tokens = TextTokenizer.tokens(in: text)
        var gold = [Int](repeating: 0, count: tokens.count)
        var owner = 0
        var previousOwner = -1
        for (index, token) in tokens.enumerated() {
            while owner + 1 < starts.count && starts[owner + 1].utf8 <= token.utf8Start { owner += 1 }
            let tag = starts[owner].tag
            if tag != "O", let label = EntitySequenceModel.labels.firstIndex(of: tag) {
                gold[index] = owner == previousOwner && label % 2 == 1 ? label + 1 : label
            }
            previousOwner = owner
        }
        self.text = text
        self.tokens = tokens
        self.gold = gold
        self.context = evidence.context(tokens: tokens, utf8: Array(text.utf8)).0
    }
}

extension EntitySequenceModel {
    /// Trains a model on annotated documents: `epochs` passes in a shuffled order (the same for a
    /// seed), each mistake moving weight from the guessed label's features to the gold one's, and the
    /// weights averaged over every step (Collins' averaged perceptron, greedy decoding as at run time).
    static func train(_ corpus: EntityCorpus, evidence: EntityEvidence, bits: Int = 17, epochs: Int = 8, seed: UInt64 = 13) -> EntitySequenceModel {
        let sentences = corpus.documents.flatMap(\.sentences).map { EntitySentence($0, evidence: evidence) }.filter { !$0.tokens.isEmpty }
        let mask = UInt64((1 << bits) - 1)
        let size = (1 << bits) * labelCount
        var weights = [Float](repeating: 0, count: size)
        var totals = [Double](repeating: 0, count: size)  // Σ step × change, for the average
        var step = 1.0
        var order = Array(sentences.indices)
        var random = SplitMix64(seed: seed)
        var buckets: [Int] = []
        for _ in 0..<epochs {
            order.shuffle(using: &random)
            for sentenceIndex in order {
                let sentence = sentences[sentenceIndex]
                var previous = 0
                for index in sentence.tokens.indices {
                    let gold = sentence.gold[index]
                    if sentence.context.cased && !mayBeName(sentence.context, index, previous: previous) {
                        previous = 0
                        continue
                    }
                    features(sentence.context, index, previous: previous, lexicon: evidence.lexicon, mask: mask, into: &buckets)
                    var scores = SIMD8<Float>()
                    for bucket in buckets {
                        for label in 0..<labelCount { scores[label] += weights[bucket * labelCount + label] }
                    }
                    let guess = best(scores, previous: previous)
                    if guess != gold {
                        for bucket in buckets {
                            weights[bucket * labelCount + gold] += 1
                            totals[bucket * labelCount + gold] += step
                            weights[bucket * labelCount + guess] -= 1
                            totals[bucket * labelCount + guess] -= step
                        }
                    }
                    previous = guess
                    step += 1
                }
            }
        }
        let averaged = (0..<size).map { Float(Double(weights[$0]) - totals[$0] / step) }
        let header = Header(
            bits: bits, epochs: epochs, trainedOn: sentences.count,
            trainedAt: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
        return EntitySequenceModel(header: header, weights: averaged)
    }
}

/// How well found entities match the annotated ones, as bags of mentions per document: for each
/// document and type, the set of distinct mention texts (case and spacing ignored) found and expected.
public struct EntityEvaluation: Sendable, Codable {
    /// Precision and recall of one type.
    public struct TypeFigures: Sendable, Codable {
        /// The type (`person`, `organization`, `place`).
        public var type: String
        /// Mentions expected.
        public var expected: Int
        /// Mentions found.
        public var found: Int
        /// Found and expected.
        public var correct: Int
        /// correct / found.
        public var precision: Double
        /// correct / expected.
        public var recall: Double
        /// Their harmonic mean.
        public var f1: Double
    }

    /// Documents evaluated.
    public var documents: Int
    /// Over every type.
    public var overall: TypeFigures
    /// Per type.
    public var perType: [TypeFigures]

    /// Compares, document by document, found bags with expected ones.
    init(expected: [[EntityType: Set<String>]], found: [[EntityType: Set<String>]]) {
        var counts: [EntityType: (expected: Int, found: Int, correct: Int)] = [:]
        for (gold, guess) in zip(expected, found) {
            for type in EntityType.allCases {
                let g = gold[type] ?? []
                let f = guess[type] ?? []
                let current = counts[type] ?? (0, 0, 0)
                counts[type] = (current.expected + g.count, current.found + f.count, current.correct + g.intersection(f).count)
            }
        }
        func figures(_ type: String, _ value: (expected: Int, found: Int, correct: Int)) -> TypeFigures {
            let precision = value.found > 0 ? Double(value.correct) / Double(value.found) : 0
            let recall = value.expected > 0 ? Double(value.correct) / Double(value.expected) : 0
            let f1 = value.expected + value.found > 0 ? 2 * Double(value.correct) / Double(value.expected + value.found) : 0
            return TypeFigures(type: type, expected: value.expected, found: value.found, correct: value.correct, precision: precision, recall: recall, f1: f1)
        }
        documents = expected.count
        perType = EntityType.allCases.map { figures($0.rawValue, counts[$0] ?? (0, 0, 0)) }
        let total = counts.values.reduce((0, 0, 0)) { ($0.0 + $1.expected, $0.1 + $1.found, $0.2 + $1.correct) }
        overall = figures("all", total)
    }

    /// A mention's text as bags compare it: lower case, single spaces, no punctuation at its ends.
    static func key(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            .trimmingCharacters(in: CharacterSet.punctuationCharacters.union(.whitespaces))
    }

    /// Measures `tagger` on `corpus`: each document's sentences joined into one story body. With
    /// `export`, every document's text and both bags are written there as JSON Lines, for a peer to
    /// be measured on the same documents with the same keys.
    static func measure(_ tagger: Tagger, on corpus: EntityCorpus, evidence: EntityEvidence, export: String? = nil) throws -> EntityEvaluation {
        var lines = Data()
        var expected: [[EntityType: Set<String>]] = []
        var found: [[EntityType: Set<String>]] = []
        for document in corpus.documents {
            var gold: [EntityType: Set<String>] = [:]
            var text = ""
            for annotated in document.sentences {
                let sentence = EntitySentence(annotated, evidence: evidence)
                for span in EntitySequenceModel.spans(sentence.gold) {
                    let utf8 = Array(sentence.text.utf8)
                    let first = sentence.tokens[span.range.lowerBound]
                    let last = sentence.tokens[span.range.upperBound - 1]
                    gold[span.type, default: []].insert(key(String(decoding: utf8[first.utf8Start..<last.utf8End], as: UTF8.self)))
                }
                text += (text.isEmpty ? "" : " ") + sentence.text
            }
            var guess: [EntityType: Set<String>] = [:]
            for entity in tagger.tag(Story(id: "eval", headline: "", body: text)).entities {
                for mention in entity.mentions { guess[entity.type, default: []].insert(key(mention.text)) }
            }
            expected.append(gold)
            found.append(guess)
            if export != nil {
                func bag(_ bag: [EntityType: Set<String>]) -> [String: [String]] {
                    Dictionary(uniqueKeysWithValues: EntityType.allCases.map { ($0.rawValue, (bag[$0] ?? []).sorted()) })
                }
                let object: [String: Any] = ["name": document.name, "text": text, "expected": bag(gold), "found": bag(guess)]
                lines += try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) + Data("\n".utf8)
            }
        }
        if let export { try lines.write(to: URL(fileURLWithPath: export)) }
        return EntityEvaluation(expected: expected, found: found)
    }
}
