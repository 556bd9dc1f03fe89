import Foundation

/// Matches one story against many stored queries without evaluating them all: the idea of Lucene
/// Monitor's presearcher. Each query is indexed under a few *anchor* keys, words or tags that every
/// story it matches must contain (for `a AND b`, the anchors of one side; for `a OR b`, those of both);
/// a story's own keys then select the candidate queries, and only those are evaluated with
/// ``QueryMatcher``. Queries with no anchor (`NOT x`, `*`, a date window alone, a prefix shorter than
/// three bytes) are evaluated for every story. The answers are exactly those of evaluating every query.
public struct Percolator: Sendable {
    private let program: QueryProgram
    /// Anchor key (a hash) to the queries indexed under it.
    private let byAnchor: AnchorTable
    /// Queries evaluated for every story.
    private let unanchored: [Int32]
    /// How many queries there are.
    private let queryCount: Int

    /// Indexes `queries`; matches are reported by their position in this array.
    public init(queries: [QueryNode]) {
        var postings: [(key: UInt64, position: Int32)] = []
        var unanchored: [Int32] = []
        for (position, query) in queries.enumerated() {
            if let anchors = Self.anchors(query) {
                for anchor in anchors { postings.append((anchor, Int32(position))) }
            } else {
                unanchored.append(Int32(position))
            }
        }
        self.program = QueryProgram(queries)
        self.queryCount = queries.count
        self.byAnchor = AnchorTable(postings)
        self.unanchored = unanchored
    }

    /// How many queries are evaluated for every story.
    public var unanchoredCount: Int { unanchored.count }

    /// The positions of the queries `document` satisfies at `now`, ascending.
    public func matches(_ document: MatchDocument, now: Date = Date()) -> [Int] {
        let marks = candidateMarks(document)
        return document.headlineSet.withUnsafeView { headline in
            document.bodySet.withUnsafeView { body in
                document.tagSet.withUnsafeView { tags in
                    program.withUnsafeView { program in
                        let sets = QueryProgram.DocumentSets(headline: headline, body: body, tags: tags)
                        var result: [Int] = []
                        Self.forEachMarked(marks) { position in
                            if program.matches(position, document, sets, now: now) { result.append(position) }
                        }
                        return result
                    }
                }
            }
        }
    }

    /// The positions of the queries worth evaluating for `document`, ascending: a superset of its matches.
    public func candidates(_ document: MatchDocument) -> [Int] {
        var result: [Int] = []
        Self.forEachMarked(candidateMarks(document)) { result.append($0) }
        return result
    }

    /// A bit per query, set for the candidates: marking is cheaper than sorting and removing repeats.
    private func candidateMarks(_ document: MatchDocument) -> [UInt64] {
        var marks = [UInt64](repeating: 0, count: (queryCount + 63) / 64)
        marks.withUnsafeMutableBufferPointer { marks in
            for position in unanchored { marks[Int(position) >> 6] |= 1 << (UInt64(position) & 63) }
            Self.forEachKey(of: document) { key in byAnchor.mark(key, in: marks) }
        }
        return marks
    }

    /// Calls `body` with each set bit's position, ascending.
    @inline(__always)
    private static func forEachMarked(_ marks: [UInt64], _ body: (Int) -> Void) {
        marks.withUnsafeBufferPointer { marks in
            for word in marks.indices where marks[word] != 0 {
                var remaining = marks[word]
                while remaining != 0 {
                    body(word << 6 | remaining.trailingZeroBitCount)
                    remaining &= remaining - 1
                }
            }
        }
    }

    // MARK: - Keys

    private static let wordKind: UInt8 = 0x77  // "w"
    private static let prefixKind: UInt8 = 0x70  // "p"
    private static let tagKind: UInt8 = 0x74  // "t"
    /// Prefix clauses are anchored on their first three bytes (prefixes compare byte by byte).
    static let prefixLength = 3

    private static func key(_ kind: UInt8, _ text: String) -> UInt64 { FNV1a.hash(text, seed: FNV1a.adding(kind, to: FNV1a.offsetBasis)) }

    private static func prefixKey(_ text: String) -> UInt64 {
        var hash = FNV1a.adding(prefixKind, to: FNV1a.offsetBasis)
        for byte in text.utf8.prefix(prefixLength) { hash = FNV1a.adding(byte, to: hash) }
        return hash
    }

    /// Calls `body` with every key a story offers: its words, the first three bytes of its longer
    /// words, its tags (a key may come twice).
    static func forEachKey(of document: MatchDocument, _ body: (UInt64) -> Void) {
        for words in [document.headlineSet.words, document.bodySet.words] {
            for word in words {
                body(key(wordKind, word))
                if word.utf8.count >= prefixLength { body(prefixKey(word)) }
            }
        }
        for tag in document.tagSet.words { body(key(tagKind, tag)) }
    }

    /// Keys one of which every story matching `node` has, or nil when no such set exists.
    static func anchors(_ node: QueryNode) -> Set<UInt64>? {
        weightedAnchors(node)?.keys
    }

    /// Anchors with a cost: fewer and longer words are cheaper (rarer), so an AND keeps its cheapest side.
    private static func weightedAnchors(_ node: QueryNode) -> (keys: Set<UInt64>, cost: Double)? {
        switch node {
        case .all, .not, .published, .since:
            return nil
        case .text(.term(let word), _):
            return ([key(wordKind, word)], wordCost(word))
        case .text(.phrase(let words), _):
            // Every word of the phrase is in the story; the longest is likely the rarest.
            guard let longest = words.max(by: { $0.count < $1.count }) else { return nil }
            return ([key(wordKind, longest)], wordCost(longest))
        case .text(.prefix(let prefix), _):
            guard prefix.utf8.count >= prefixLength else { return nil }
            return ([prefixKey(prefix)], 4)
        case .tag(_, _, let tagKey):
            return ([key(tagKind, tagKey)], 2)
        case .and(let children):
            return children.compactMap(weightedAnchors).min { $0.cost < $1.cost }
        case .or(let children):
            var keys = Set<UInt64>()
            var cost = 0.0
            for child in children {
                guard let anchors = weightedAnchors(child) else { return nil }
                keys.formUnion(anchors.keys)
                cost += anchors.cost
            }
            return (keys, cost)
        }
    }

    private static func wordCost(_ word: String) -> Double { 8 / Double(max(1, word.utf8.count)) }
}
