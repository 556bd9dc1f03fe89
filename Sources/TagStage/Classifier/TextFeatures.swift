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
    /// Whether a word longer than ``stemLength`` letters also counts by its first ``stemLength``
    /// (a crude stem: "elections" and "electoral" share "elect"), so that other outlets' word forms
    /// meet the training stories' ones.
    public let stems: Bool
    /// The length of a stem, in bytes of the folded word.
    public static let stemLength = 5
    /// How many of the body's words count (nil: all). A story's topic is in its lead, the stories a
    /// model is trained on are short, and the classifier's cost grows with the words it reads.
    public let bodyTokens: Int?

    /// Features without IDF weighting (all 1), for counting document frequencies.
    public init(bits: Int, stems: Bool = false, bodyTokens: Int? = nil) {
        self.bits = bits
        self.idf = [Float](repeating: 1, count: 1 << bits)
        self.stems = stems
        self.bodyTokens = bodyTokens
    }

    /// Features with the given IDF table (`1 << bits` entries).
    public init(bits: Int, idf: [Float], stems: Bool = false, bodyTokens: Int? = nil) {
        precondition(idf.count == 1 << bits, "the idf table must have one entry per bucket")
        self.bits = bits
        self.idf = idf
        self.stems = stems
        self.bodyTokens = bodyTokens
    }

    /// The raw term counts of `headline` and `body` by bucket.
    public func counts(headline: String, body: String) -> [Int32: Float] {
        let (indices, counts) = bucketCounts(headline: TextTokenizer.tokens(in: headline), body: TextTokenizer.tokens(in: body))
        return Dictionary(uniqueKeysWithValues: zip(indices, counts))
    }

    /// The buckets hit by the headline's tokens (counted twice) and the body's, ascending, with their
    /// counts: bucket numbers collected, radix-sorted and counted in runs (no dictionary).
    func bucketCounts(headline: [TextTokenizer.Token], body allBody: [TextTokenizer.Token]) -> (indices: [Int32], counts: [Float]) {
        let body = bodyTokens.map { allBody.prefix($0) }.map(Array.init) ?? allBody
        let mask = UInt64((1 << bits) - 1)
        var buckets: [Int32] = []
        buckets.reserveCapacity(4 * headline.count + 2 * body.count)
        func add(_ tokens: [TextTokenizer.Token], times: Int) {
            var previous: UInt64?
            for token in tokens {
                // A word's hash is the token's (FNV-1a of the folded text).
                let hash = token.hash
                for _ in 0..<times { buckets.append(Int32(truncatingIfNeeded: hash & mask)) }
                if stems, token.text.utf8.count > Self.stemLength + 1 {
                    // The stem's hash straight from the bytes: no String per token.
                    var stem: UInt64 = 0x5157_E300
                    for byte in token.text.utf8.prefix(Self.stemLength) { stem = FNV1a.adding(byte, to: stem) }
                    for _ in 0..<times { buckets.append(Int32(truncatingIfNeeded: stem & mask)) }
                }
                if let previous {
                    // A word pair: the pair's own hash, from the first word's hash and the second word.
                    let pair = FNV1a.hash(token.text, seed: previous ^ 0x9E37_79B9_7F4A_7C15)
                    for _ in 0..<times { buckets.append(Int32(truncatingIfNeeded: pair & mask)) }
                }
                previous = hash
            }
        }
        add(headline, times: 2)
        add(body, times: 1)
        Self.radixSort(&buckets, bits: bits)
        var indices: [Int32] = []
        var counts: [Float] = []
        indices.reserveCapacity(buckets.count)
        counts.reserveCapacity(buckets.count)
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

    /// Sorts non-negative values below `1 << bits` in passes of up to 11 bits (least significant first).
    static func radixSort(_ values: inout [Int32], bits: Int) {
        guard values.count > 1 else { return }
        let passes = (bits + 10) / 11
        let width = (bits + passes - 1) / passes
        var scratch = [Int32](repeating: 0, count: values.count)
        var counts = [Int](repeating: 0, count: (1 << width) + 1)
        let digitMask = Int32((1 << width) - 1)
        for pass in 0..<passes {
            let shift = Int32(pass * width)
            for index in counts.indices { counts[index] = 0 }
            values.withUnsafeBufferPointer { source in
                scratch.withUnsafeMutableBufferPointer { target in
                    counts.withUnsafeMutableBufferPointer { counts in
                        for value in source { counts[Int((value >> shift) & digitMask) + 1] += 1 }
                        for digit in 1..<counts.count { counts[digit] += counts[digit - 1] }
                        for value in source {
                            let digit = Int((value >> shift) & digitMask)
                            target[counts[digit]] = value
                            counts[digit] += 1
                        }
                    }
                }
            }
            swap(&values, &scratch)
        }
    }

    /// The weighted, unit-length vector of a story.
    public func vector(headline: String, body: String) -> SparseVector {
        vector(headline: TextTokenizer.tokens(in: headline), body: TextTokenizer.tokens(in: body))
    }

    /// The weighted, unit-length vector of a story already tokenised (``TextTokenizer/tokens(in:)``).
    public func vector(headline: [TextTokenizer.Token], body: [TextTokenizer.Token]) -> SparseVector {
        let (indices, counts) = bucketCounts(headline: headline, body: body)
        var values = [Float](repeating: 0, count: indices.count)
        var sumOfSquares: Float = 0
        for position in indices.indices {
            let value = (1 + log(counts[position])) * idf[Int(indices[position])]
            values[position] = value
            sumOfSquares += value * value
        }
        let norm = sumOfSquares.squareRoot()
        if norm > 0 { for index in values.indices { values[index] /= norm } }
        return SparseVector(indices: indices, values: values)
    }
}
