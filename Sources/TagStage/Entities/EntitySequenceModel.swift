import Foundation
import NewsModel

/// Finds people, organisations and places in a sequence of tokens: a greedy left-to-right tagger
/// over IOB2 labels, scored by an averaged perceptron (Collins 2002) over hashed features of each
/// token and its neighbours — the word, its shape, prefixes and suffixes, capitals and digits, its
/// place in the sentence, the words and shapes around it, the label just given, and whether it is in
/// the gazetteer (by type), the first-name list, or after a title or before an organisation word.
/// The gazetteer and the word lists are evidence here, not the finder: context decides, so a club
/// named after its city is an organisation where it plays.
public struct EntitySequenceModel: Sendable, CustomStringConvertible {
    /// The labels, in weight order.
    public static let labels = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
    static let labelCount = 7

    /// What a model file records besides its weights.
    public struct Header: Codable, Sendable, Hashable {
        /// The format version (2: only non-zero weights stored).
        public var format = 2
        /// log2 of the number of feature buckets.
        public var bits: Int
        /// Passes over the training data.
        public var epochs: Int
        /// Sentences trained on.
        public var trainedOn: Int
        /// When it was trained.
        public var trainedAt: Date
    }

    /// The training facts.
    public let header: Header
    /// `weights[bucket * labelCount + label]`.
    let weights: [Float]
    /// The same weights one bucket to a vector of 8 (the eighth lane 0): a bucket's weights are one
    /// aligned 32-byte load, never split across two cache lines, and are summed in one vector add.
    private let rows: [SIMD8<Float>]

    /// The model in one line.
    public var description: String { "EntitySequenceModel(\(header.trainedOn) sentences, \(header.bits) bits)" }

    init(header: Header, weights: [Float]) {
        self.header = header
        self.weights = weights
        self.rows = (0..<(weights.count / Self.labelCount)).map { bucket in
            var row = SIMD8<Float>()
            for label in 0..<Self.labelCount { row[label] = weights[bucket * Self.labelCount + label] }
            return row
        }
    }

    /// What the tagger knows about each token besides its text.
    public struct Context: Sendable {
        /// The tokens.
        public var tokens: [TextTokenizer.Token]
        /// Per token: the gazetteer type of a match covering it, and whether it begins it.
        public var gazetteer: [(type: EntityType, begins: Bool)?]
        /// Per token: whether a sentence starts at it.
        public var sentenceStart: [Bool]
        /// Whether the text is cased normally (not all lower case, not all capitals): then capitals
        /// are evidence and tokens without any are not scored (they are outside every entity).
        public var cased: Bool
        /// Per token: its shape hashes (full, short), computed once.
        var shapes: [(full: UInt64, short: UInt64)] = []
        /// Per token: ``WordClass`` bits, computed once.
        var classes: [UInt8] = []
    }

    /// What a token is, as bits: capitalised, a title, an organisation word, a first name, has capitals, a connector.
    enum WordClass {
        static let capitalised: UInt8 = 1
        static let title: UInt8 = 2
        static let organizationEnd: UInt8 = 4
        static let givenName: UInt8 = 8
        static let hasCapital: UInt8 = 16
        /// A word that joins the words of a name ("Bank of England").
        static let connector: UInt8 = 32
    }

    // MARK: - Features

    /// Word classes the features use, one lookup per token.
    struct Lexicon: Sendable {
        let givenNames: Set<String>
        static let titles = NameFinder.personTitles
        static let organizationEnds = NameFinder.organizationEnds.union(["fc", "afc", "cf", "united", "city", "club", "rovers", "athletic", "wanderers"])
    }

    /// The hashed feature buckets of token `index` given the previous label.
    static func features(_ context: Context, _ index: Int, previous: Int, lexicon: Lexicon, mask: UInt64, into buckets: inout [Int]) {
        buckets.removeAll(keepingCapacity: true)
        let tokens = context.tokens
        let token = tokens[index]
        @inline(__always) func add(_ template: UInt64, _ value: UInt64) {
            buckets.append(Int(SplitMix64.mix(template &* 0x9E37_79B9_7F4A_7C15 ^ value) & mask))
        }
        @inline(__always) func hash(_ text: Substring.UTF8View) -> UInt64 {
            var value = FNV1a.offsetBasis
            for byte in text { value = FNV1a.adding(byte, to: value) }
            return value
        }
        let word = token.text
        let classes = context.classes
        add(1, 0)  // bias
        add(2, token.hash)
        let shape = context.shapes[index]
        add(3, shape.full)
        add(4, shape.short)
        let utf8 = Substring(word).utf8
        for length in 1...3 where utf8.count > length {
            add(10 + UInt64(length), hash(utf8.prefix(length)))
            add(20 + UInt64(length), hash(utf8.suffix(length)))
        }
        let capitalised = classes[index] & WordClass.capitalised != 0
        add(5, (capitalised ? 1 : 0) | (context.sentenceStart[index] ? 2 : 0) | (context.cased ? 4 : 0))
        add(6, UInt64(previous))
        add(7, UInt64(previous) &* 1_000_003 ^ token.hash)
        for offset in stride(from: -2, through: 2, by: 1) where offset != 0 {
            let position = index + offset
            let code = UInt64(bitPattern: Int64(offset + 8))
            if position < 0 || position >= tokens.count {
                add(30 + code, 0xB0B)
                continue
            }
            let neighbour = tokens[position]
            add(30 + code, neighbour.hash)
            if abs(offset) == 1 {
                add(40 + code, context.shapes[position].short)
                if classes[position] & WordClass.title != 0 { add(50 + code, 1) }
                if classes[position] & WordClass.organizationEnd != 0 { add(60 + code, 1) }
                if let gazetteer = context.gazetteer[position] { add(70 + code, Self.gazetteerCode(gazetteer.type)) }
                add(80 + code, token.hash &* 31 ^ neighbour.hash)
            }
        }
        if let gazetteer = context.gazetteer[index] {
            add(90, Self.gazetteerCode(gazetteer.type) * 2 + (gazetteer.begins ? 1 : 0))
            add(91, Self.gazetteerCode(gazetteer.type) * 64 + UInt64(previous))
        }
        if classes[index] & WordClass.givenName != 0 { add(92, capitalised ? 1 : 0) }
        if classes[index] & WordClass.title != 0 { add(93, 1) }
        if classes[index] & WordClass.organizationEnd != 0 { add(94, 1) }
        _ = word
    }

    static func gazetteerCode(_ type: EntityType) -> UInt64 {
        switch type {
        case .person: 1
        case .organization: 2
        case .place: 3
        }
    }

    /// The word's shape (`Xxxx`, `XX`, `dd`, `X.X.`) in full and with repeats squeezed, and whether
    /// it has a capital and begins with one. ASCII is classified by byte; other scalars by their
    /// Unicode properties.
    static func shape(_ raw: String) -> (full: UInt64, short: UInt64, hasCapital: Bool, capitalised: Bool) {
        var full = FNV1a.offsetBasis
        var short = FNV1a.offsetBasis
        var last: UInt8 = 0
        var count = 0
        var hasCapital = false
        var capitalised = false
        func add(_ code: UInt8) {
            if code == UInt8(ascii: "X") {
                hasCapital = true
                if count == 0 { capitalised = true }
            }
            count += 1
            if count <= 6 { full = FNV1a.adding(code, to: full) }
            if code != last { short = FNV1a.adding(code, to: short) }
            last = code
        }
        // ASCII by byte, in one pass; a word with another scalar starts again by scalar.
        var ascii = true
        for byte in raw.utf8 {
            switch byte {
            case 0x41...0x5A: add(UInt8(ascii: "X"))
            case 0x61...0x7A: add(UInt8(ascii: "x"))
            case 0x30...0x39: add(UInt8(ascii: "d"))
            case 0x80...: ascii = false
            default: add(byte)
            }
            if !ascii { break }
        }
        if !ascii {
            (full, short, last, count, hasCapital, capitalised) = (FNV1a.offsetBasis, FNV1a.offsetBasis, 0, 0, false, false)
            for scalar in raw.unicodeScalars {
                if scalar.properties.isUppercase {
                    add(UInt8(ascii: "X"))
                } else if scalar.properties.isLowercase {
                    add(UInt8(ascii: "x"))
                } else if scalar.properties.numericType != nil {
                    add(UInt8(ascii: "d"))
                } else {
                    add(UInt8(truncatingIfNeeded: scalar.value & 0x7F))
                }
            }
        }
        return (full, short, hasCapital, capitalised)
    }

    // MARK: - Tagging

    /// The label index of each token.
    func labels(for context: Context, lexicon: Lexicon) -> [Int] {
        let mask = UInt64((1 << header.bits) - 1)
        var result = [Int](repeating: 0, count: context.tokens.count)
        var buckets: [Int] = []
        buckets.reserveCapacity(48)
        var previous = 0
        rows.withUnsafeBufferPointer { rows in
            for index in context.tokens.indices {
                if context.cased && !Self.mayBeName(context, index, previous: previous) {
                    previous = 0
                    continue
                }
                Self.features(context, index, previous: previous, lexicon: lexicon, mask: mask, into: &buckets)
                var scores = SIMD8<Float>()
                for bucket in buckets { scores += rows[bucket] }
                let label = Self.best(scores, previous: previous)
                result[index] = label
                previous = label
            }
        }
        return result
    }

    /// In cased text, whether the token could be in a name: capitalised, a digit-bearing word with
    /// capitals, or a connector inside a name ("Bank of England") after a name token.
    static func mayBeName(_ context: Context, _ index: Int, previous: Int) -> Bool {
        if context.classes[index] & WordClass.hasCapital != 0 { return true }
        return previous != 0 && context.classes[index] & WordClass.connector != 0
    }

    /// The best label allowed after `previous`: an `I-` label only continues its own type.
    static func best(_ scores: SIMD8<Float>, previous: Int) -> Int {
        var best = 0
        var bestScore = -Float.infinity
        for label in 0..<labelCount {
            if label % 2 == 0 && label > 0 {  // I-X: only after B-X or I-X
                guard previous == label || previous == label - 1 else { continue }
            }
            if scores[label] > bestScore {
                best = label
                bestScore = scores[label]
            }
        }
        return best
    }

    /// The entity spans in `labels`: token ranges and their types.
    static func spans(_ labels: [Int]) -> [(range: Range<Int>, type: EntityType)] {
        var spans: [(Range<Int>, EntityType)] = []
        var start: Int?
        var type = 0
        for (index, label) in labels.enumerated() {
            let begins = label % 2 == 1
            let continues = label > 0 && label % 2 == 0 && label - 1 == type
            if let open = start, !continues {
                spans.append((open..<index, entityType(type)))
                start = nil
            }
            if begins {
                start = index
                type = label
            }
        }
        if let open = start { spans.append((open..<labels.count, entityType(type))) }
        return spans
    }

    static func entityType(_ beginLabel: Int) -> EntityType {
        switch beginLabel {
        case 1: .person
        case 3: .organization
        default: .place
        }
    }
}
