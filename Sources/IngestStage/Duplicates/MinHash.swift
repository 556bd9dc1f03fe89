import NewsModel

/// A story's MinHash signature over its word pairs (2-shingles), and the band keys that find
/// candidates for it.
///
/// The share of equal positions in two signatures estimates the Jaccard similarity of the two stories'
/// word-pair sets: a copy with a tenth of its words edited keeps about two thirds of its pairs
/// (J ≈ 0.67), an added sentence of a fifth of the length J ≈ 0.83, while different stories on the
/// same event share a few pairs (J ≲ 0.1). Candidates come from ``bandCount`` bands of
/// ``rowsPerBand`` positions each: two stories at J = 0.5 share a band with probability
/// 1 − (1 − 0.5²)²⁴ ≈ 0.999, at J = 0.3 about 0.9, at J = 0.05 about 0.06. A candidate is a near
/// duplicate when its estimated similarity is at least ``threshold``, or, for a story that is most of
/// another (a short version, or one with a sentence added, which lowers J on short texts), when at
/// least ``containedShare`` of the smaller story's pairs are shared and J is at least
/// ``containedThreshold``.
struct MinHash: Sendable, Hashable {
    /// How many hash functions (positions) a signature has.
    static let size = 128
    /// Bands used for candidate look-ups.
    static let bandCount = 24
    /// Positions per band.
    static let rowsPerBand = 2
    /// The estimated Jaccard similarity from which two stories are near duplicates.
    static let threshold = 0.4
    /// The share of the smaller story's word pairs that makes it contained in the other.
    static let containedShare = 0.7
    /// The least estimated Jaccard similarity for containment.
    static let containedThreshold = 0.2

    /// The low 16 bits of each position's minimum: what is stored and compared. Two different minima
    /// agree on them once in 65,536 times, which moves an estimate by far less than its own noise.
    let positions: [UInt16]
    /// The band keys, from the full minima.
    let bandKeys: [Int64]
    /// How many distinct word pairs the story has.
    let shingleCount: Int

    /// The signature of `words`' word pairs (of the single word, for a one-word text).
    init(words: [String]) {
        var minima = [UInt32](repeating: .max, count: Self.size)
        var seen = Set<UInt64>()
        func add(_ shingle: UInt64) {
            guard seen.insert(shingle).inserted else { return }
            // Hash i is the high half of a_i·x + b_i with odd multipliers from a fixed generator: a
            // universal family, stable across runs and builds (the state on disk depends on it).
            for index in 0..<Self.size {
                let mixed = Self.multipliers[index] &* shingle &+ Self.increments[index]
                let value = UInt32(truncatingIfNeeded: mixed >> 32)
                if value < minima[index] { minima[index] = value }
            }
        }
        if words.count < 2 {
            add(Self.mix(FNV1a.hash(words.first ?? "")))
        } else {
            var previous = FNV1a.hash(words[0])
            for index in 1..<words.count {
                let current = FNV1a.hash(words[index])
                add(Self.mix(previous &* 31 &+ current))
                previous = current
            }
        }
        shingleCount = seen.count
        positions = minima.map { UInt16(truncatingIfNeeded: $0) }
        bandKeys = (0..<Self.bandCount).map { band in
            var key = FNV1a.offsetBasis ^ UInt64(band)
            for row in 0..<Self.rowsPerBand {
                key = Self.mix(key &+ UInt64(minima[band * Self.rowsPerBand + row]))
            }
            return Int64(bitPattern: key)
        }
    }

    /// A signature read back from its stored positions (band keys are not needed for comparing).
    init(stored: [UInt8], shingleCount: Int) {
        self.shingleCount = shingleCount
        var positions = [UInt16](repeating: 0, count: Self.size)
        if stored.count == Self.size * 2 {
            for index in 0..<Self.size { positions[index] = UInt16(stored[2 * index]) | UInt16(stored[2 * index + 1]) << 8 }
        }
        self.positions = positions
        self.bandKeys = []
    }

    /// The positions as stored: little-endian, two bytes each.
    var stored: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.size * 2)
        for position in positions {
            bytes.append(UInt8(truncatingIfNeeded: position))
            bytes.append(UInt8(truncatingIfNeeded: position >> 8))
        }
        return bytes
    }

    /// Whether the two stories are near duplicates (see the type's description).
    func isNearDuplicate(of other: MinHash) -> Bool {
        let jaccard = similarity(to: other)
        if jaccard >= Self.threshold { return true }
        guard jaccard >= Self.containedThreshold, shingleCount > 0, other.shingleCount > 0 else { return false }
        // |A ∩ B| = J · |A ∪ B| = J / (1 + J) · (|A| + |B|).
        let shared = jaccard / (1 + jaccard) * Double(shingleCount + other.shingleCount)
        return shared / Double(min(shingleCount, other.shingleCount)) >= Self.containedShare
    }

    /// The estimated Jaccard similarity of the two stories' word-pair sets.
    func similarity(to other: MinHash) -> Double {
        var equal = 0
        for index in 0..<Self.size where positions[index] == other.positions[index] { equal += 1 }
        return Double(equal) / Double(Self.size)
    }

    /// SplitMix64's mixer: spreads FNV's weak low bits over the whole word.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 { SplitMix64.mix(value) }

    private static let multipliers: [UInt64] = (0..<size).map { mix(UInt64($0) &* 2 &+ 1) | 1 }
    private static let increments: [UInt64] = (0..<size).map { mix(UInt64($0) &+ 0x1_0000) }
}
