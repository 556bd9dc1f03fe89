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

/// Every query flattened into one program for fast evaluation: each query's clauses in postfix
/// order, words with their hashes, all in shared arrays, so evaluating a candidate copies nothing and
/// counts no references. Its answers are ``QueryMatcher``'s (tested).
struct QueryProgram: Sendable {
    enum Operation: Sendable {
        /// A word: its hash and its index in `texts`; in the headline only, or anywhere.
        case term(hash: UInt64, text: Int32, headlineOnly: Bool)
        /// A phrase: its index in `phrases`.
        case phrase(Int32, headlineOnly: Bool)
        /// A prefix: its index in `texts`.
        case prefix(text: Int32, headlineOnly: Bool)
        /// A tag key: its hash and its index in `texts`.
        case tag(hash: UInt64, text: Int32)
        /// Dated in [from, before); nil is open.
        case dated(from: Date?, before: Date?)
        /// Dated within this many seconds before now.
        case since(TimeInterval)
        /// Every story.
        case all
        /// The last `n` results combined.
        case and(Int32), or(Int32)
        /// The last result negated.
        case not
    }

    private var operations: [Operation] = []
    /// Per query: where its operations start; the next query's start ends them.
    private var starts: [Int32] = [0]
    private var texts: [String] = []
    fileprivate var phrases: [(words: [String], hashes: [UInt64])] = []

    init(_ queries: [QueryNode]) {
        for query in queries {
            append(query)
            starts.append(Int32(operations.count))
        }
    }

    private mutating func append(_ node: QueryNode) {
        switch node {
        case .all:
            operations.append(.all)
        case .text(let match, let scope):
            let headlineOnly = scope == .headline
            switch match {
            case .term(let word):
                texts.append(word)
                operations.append(.term(hash: FNV1a.hash(word), text: Int32(texts.count - 1), headlineOnly: headlineOnly))
            case .phrase(let words):
                phrases.append((words, words.map { FNV1a.hash($0) }))
                operations.append(.phrase(Int32(phrases.count - 1), headlineOnly: headlineOnly))
            case .prefix(let prefix):
                texts.append(prefix)
                operations.append(.prefix(text: Int32(texts.count - 1), headlineOnly: headlineOnly))
            }
        case .tag(_, _, let key):
            texts.append(key)
            operations.append(.tag(hash: FNV1a.hash(key), text: Int32(texts.count - 1)))
        case .published(let from, let before):
            operations.append(.dated(from: from, before: before))
        case .since(let seconds):
            operations.append(.since(TimeInterval(seconds)))
        case .and(let children):
            for child in children { append(child) }
            operations.append(.and(Int32(children.count)))
        case .or(let children):
            for child in children { append(child) }
            operations.append(.or(Int32(children.count)))
        case .not(let child):
            append(child)
            operations.append(.not)
        }
    }

    /// A story's word and tag sets, seen through their buffers.
    struct DocumentSets {
        let headline: UnsafeWordSetView
        let body: UnsafeWordSetView
        let tags: UnsafeWordSetView
    }

    /// Calls `body` with a view of the program over its buffers.
    func withUnsafeView<R>(_ body: (View) -> R) -> R {
        operations.withUnsafeBufferPointer { operations in
            starts.withUnsafeBufferPointer { starts in
                texts.withUnsafeBufferPointer { texts in
                    body(View(operations: operations, starts: starts, texts: texts, program: self))
                }
            }
        }
    }

    /// The program seen through its buffers; valid only inside `withUnsafeView`.
    struct View {
        let operations: UnsafeBufferPointer<Operation>
        let starts: UnsafeBufferPointer<Int32>
        let texts: UnsafeBufferPointer<String>
        let program: QueryProgram

    /// Whether the story satisfies query `query` at the moment `now`.
    func matches(_ query: Int, _ document: MatchDocument, _ sets: DocumentSets, now: Date) -> Bool {
        let start = Int(starts[query])
        let end = Int(starts[query + 1])
        do {
            if end - start == 1 { return leaf(operations[start], document, sets, now: now) }
            return withUnsafeTemporaryAllocation(of: Bool.self, capacity: end - start) { stack in
                var top = 0
                for position in start..<end {
                    let value: Bool
                    switch operations[position] {
                    case .and(let count):
                        top -= Int(count)
                        var all = true
                        for index in top..<(top + Int(count)) where !stack[index] { all = false }
                        value = all
                    case .or(let count):
                        top -= Int(count)
                        var any = false
                        for index in top..<(top + Int(count)) where stack[index] { any = true }
                        value = any
                    case .not:
                        top -= 1
                        value = !stack[top]
                    default:
                        value = leaf(operations[position], document, sets, now: now)
                    }
                    stack[top] = value
                    top += 1
                }
                return stack[0]
            }
        }
    }

    @inline(__always)
    private func leaf(_ operation: Operation, _ document: MatchDocument, _ sets: DocumentSets, now: Date) -> Bool {
        switch operation {
        case .term(let hash, let text, let headlineOnly):
            return sets.headline.contains(texts[Int(text)], hash: hash) || (!headlineOnly && sets.body.contains(texts[Int(text)], hash: hash))
        case .phrase(let index, let headlineOnly):
            let phrase = program.phrases[Int(index)]
            return QueryMatcher.contains(document.headline, document.headlineHashes, phrase.words, phrase.hashes)
                || (!headlineOnly && QueryMatcher.contains(document.body, document.bodyHashes, phrase.words, phrase.hashes))
        case .prefix(let text, let headlineOnly):
            let prefix = texts[Int(text)]
            return document.headlineSet.containsPrefix(prefix) || (!headlineOnly && document.bodySet.containsPrefix(prefix))
        case .tag(let hash, let text):
            return sets.tags.contains(texts[Int(text)], hash: hash)
        case .dated(let from, let before):
            guard let date = document.date else { return false }
            return (from.map { date >= $0 } ?? true) && (before.map { date < $0 } ?? true)
        case .since(let seconds):
            guard let date = document.date else { return false }
            return date >= now.addingTimeInterval(-seconds)
        case .all:
            return true
        case .and, .or, .not:
            return false  // never a leaf
        }
    }
    }
}

/// Anchor keys to query positions: an open-addressing table over one flat postings array, so a story's
/// few hundred look-ups cost no `Hasher` run and no array retains.
struct AnchorTable: Sendable {
    private let keys: [UInt64]
    /// Per slot: where its postings start in `postings`, and how many (0: an empty slot).
    private let starts: [Int32]
    private let counts: [Int32]
    private let postings: [Int32]
    private let mask: Int

    init(_ entries: [(key: UInt64, position: Int32)]) {
        let sorted = entries.sorted { ($0.key, $0.position) < ($1.key, $1.position) }
        var distinct = 0
        for index in sorted.indices where index == 0 || sorted[index].key != sorted[index - 1].key { distinct += 1 }
        var capacity = 16
        while capacity < distinct * 2 { capacity *= 2 }
        var keys = [UInt64](repeating: 0, count: capacity)
        var starts = [Int32](repeating: 0, count: capacity)
        var counts = [Int32](repeating: 0, count: capacity)
        var index = 0
        while index < sorted.count {
            var end = index + 1
            while end < sorted.count && sorted[end].key == sorted[index].key { end += 1 }
            var slot = Self.home(sorted[index].key, capacity - 1)
            while counts[slot] > 0 { slot = (slot + 1) & (capacity - 1) }
            keys[slot] = sorted[index].key
            starts[slot] = Int32(index)
            counts[slot] = Int32(end - index)
            index = end
        }
        self.keys = keys
        self.starts = starts
        self.counts = counts
        self.postings = sorted.map(\.position)
        self.mask = capacity - 1
    }

    /// Sets the bit of every position indexed under `key`.
    @inline(__always)
    func mark(_ key: UInt64, in marks: UnsafeMutableBufferPointer<UInt64>) {
        var slot = Self.home(key, mask)
        while counts[slot] > 0 {
            if keys[slot] == key {
                let start = Int(starts[slot])
                postings.withUnsafeBufferPointer { postings in
                    for position in postings[start..<(start + Int(counts[slot]))] {
                        marks[Int(position) >> 6] |= 1 << (UInt64(position) & 63)
                    }
                }
                return
            }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private static func home(_ key: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: key ^ (key >> 31)) & mask }
}
