import Foundation

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
