import Foundation
import NewsModel

/// A sparse feature vector: bucket indices (ascending) and their values.
public struct SparseVector: Sendable, Hashable {
    /// The buckets with a value, ascending.
    public var indices: [Int32]
    /// The values, one per index.
    public var values: [Float]
}

/// Turns a story into hashed word and word-pair features: folded tokens (``TextTokenizer``), unigrams
/// and bigrams hashed with FNV-1a into `1 << bits` buckets, the headline counted twice, weights
/// `(1 + log tf) × idf`, the vector scaled to unit length.
public struct TextFeatures: Sendable {
    /// log2 of the number of buckets.
    public let bits: Int
    /// Inverse document frequency per bucket (1 for buckets unseen in training).
    public let idf: [Float]

    /// Features without IDF weighting (all 1), for counting document frequencies.
    public init(bits: Int) {
        self.bits = bits
        self.idf = [Float](repeating: 1, count: 1 << bits)
    }

    /// Features with the given IDF table (`1 << bits` entries).
    public init(bits: Int, idf: [Float]) {
        precondition(idf.count == 1 << bits, "the idf table must have one entry per bucket")
        self.bits = bits
        self.idf = idf
    }

    /// The raw term counts of `headline` and `body` by bucket.
    public func counts(headline: String, body: String) -> [Int32: Float] {
        let (indices, counts) = bucketCounts(headlineWords: TextTokenizer.words(in: headline), bodyWords: TextTokenizer.words(in: body))
        return Dictionary(uniqueKeysWithValues: zip(indices, counts))
    }

    /// The buckets hit by the folded words of the headline (counted twice) and body, ascending, with
    /// their counts: hashes collected, sorted and counted in runs (no dictionary).
    func bucketCounts(headlineWords: [String], bodyWords: [String]) -> (indices: [Int32], counts: [Float]) {
        let mask = UInt64((1 << bits) - 1)
        var buckets: [Int32] = []
        buckets.reserveCapacity(4 * headlineWords.count + 2 * bodyWords.count)
        func add(_ words: [String], times: Int) {
            var previous: UInt64?
            for word in words {
                let hash = Self.fnv1a(word, seed: 0xcbf2_9ce4_8422_2325)
                for _ in 0..<times { buckets.append(Int32(truncatingIfNeeded: hash & mask)) }
                if let previous {
                    // A word pair: the pair's own hash, from the first word's hash and the second word.
                    let pair = Self.fnv1a(word, seed: previous ^ 0x9E37_79B9_7F4A_7C15)
                    for _ in 0..<times { buckets.append(Int32(truncatingIfNeeded: pair & mask)) }
                }
                previous = hash
            }
        }
        add(headlineWords, times: 2)
        add(bodyWords, times: 1)
        buckets.sort()
        var indices: [Int32] = []
        var counts: [Float] = []
        for bucket in buckets {
            if indices.last == bucket {
                counts[counts.count - 1] += 1
            } else {
                indices.append(bucket)
                counts.append(1)
            }
        }
        return (indices, counts)
    }

    /// The weighted, unit-length vector of a story.
    public func vector(headline: String, body: String) -> SparseVector {
        vector(headlineWords: TextTokenizer.words(in: headline), bodyWords: TextTokenizer.words(in: body))
    }

    /// The weighted, unit-length vector of a story already split into folded words.
    public func vector(headlineWords: [String], bodyWords: [String]) -> SparseVector {
        let (indices, counts) = bucketCounts(headlineWords: headlineWords, bodyWords: bodyWords)
        var values = zip(indices, counts).map { (1 + log($0.1)) * idf[Int($0.0)] }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { for index in values.indices { values[index] /= norm } }
        return SparseVector(indices: indices, values: values)
    }

    static func fnv1a(_ text: String, seed: UInt64) -> UInt64 {
        var hash = seed
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}
