import Foundation

/// A story as the query language sees it: folded tokens of headline and body, and its tag keys.
public struct MatchDocument: Sendable {
    /// The headline's folded tokens, in order.
    public let headline: [String]
    /// The body's folded tokens, in order.
    public let body: [String]
    /// The story's ``TagKey``s.
    public let tagKeys: Set<String>
    /// The story's date: when it was published, or received when it carries no date.
    public let date: Date?
    let headlineSet: HashedWordSet
    let bodySet: HashedWordSet
    let tagSet: HashedWordSet
    /// The tokens' ``FNV1a`` hashes, in order: phrases are scanned by hash, then checked by text.
    let headlineHashes: [UInt64]
    let bodyHashes: [UInt64]

    /// Makes the document of a tagged story.
    public init(_ tagged: TaggedStory) {
        self.init(
            headline: tagged.story.headline, body: tagged.story.body, tagKeys: tagged.tagKeys,
            date: tagged.story.publishedAt ?? tagged.story.receivedAt)
    }

    /// Makes a document from raw text and tag keys.
    public init(headline: String, body: String, tagKeys: Set<String>, date: Date? = nil) {
        let headlineTokens = TextTokenizer.tokens(in: headline)
        let bodyTokens = TextTokenizer.tokens(in: body)
        self.headline = headlineTokens.map(\.text)
        self.body = bodyTokens.map(\.text)
        headlineHashes = headlineTokens.map(\.hash)
        bodyHashes = bodyTokens.map(\.hash)
        self.tagKeys = tagKeys
        self.date = date
        headlineSet = HashedWordSet(headlineTokens.lazy.map { ($0.text, $0.hash) })
        bodySet = HashedWordSet(bodyTokens.lazy.map { ($0.text, $0.hash) })
        tagSet = HashedWordSet(tagKeys.lazy.map { ($0, FNV1a.hash($0)) })
    }
}

/// Evaluates a query against one story. Its answers are, by construction and by test, those of the
/// index's SQL for the same query.
public enum QueryMatcher {
    /// True when the story satisfies the query at the moment `now` (which `since:` counts back from).
    public static func matches(_ node: QueryNode, _ document: MatchDocument, now: Date = Date()) -> Bool {
        switch node {
        case .all:
            return true
        case .text(let match, let scope):
            return matchesText(match, scope: scope, document)
        case .tag(_, _, let key):
            return document.tagSet.contains(key)
        case .published(let from, let before):
            guard let date = document.date else { return false }
            return (from.map { date >= $0 } ?? true) && (before.map { date < $0 } ?? true)
        case .since(let seconds):
            guard let date = document.date else { return false }
            return date >= now.addingTimeInterval(-TimeInterval(seconds))
        case .and(let children):
            return children.allSatisfy { matches($0, document, now: now) }
        case .or(let children):
            return children.contains { matches($0, document, now: now) }
        case .not(let child):
            return !matches(child, document, now: now)
        }
    }

    /// The clauses, outside any NOT, that the story satisfies: why a matching story matched.
    public static func explain(_ node: QueryNode, _ document: MatchDocument, now: Date = Date()) -> [String] {
        satisfiedClauses(node, document, now: now).map(\.description)
    }

    /// The leaf clauses (words, phrases, filters, dates), outside any NOT, that the story satisfies, in
    /// query order without repeats.
    public static func satisfiedClauses(_ node: QueryNode, _ document: MatchDocument, now: Date = Date()) -> [QueryNode] {
        var seen = Set<QueryNode>()
        return leaves(node, document, now: now).filter { seen.insert($0).inserted }
    }

    private static func leaves(_ node: QueryNode, _ document: MatchDocument, now: Date) -> [QueryNode] {
        switch node {
        case .all, .text, .tag, .published, .since:
            return matches(node, document, now: now) ? [node] : []
        case .and(let children), .or(let children):
            return children.flatMap { leaves($0, document, now: now) }
        case .not:
            return []
        }
    }

    private static func matchesText(_ match: TextMatch, scope: TextScope, _ document: MatchDocument) -> Bool {
        switch match {
        case .term(let term):
            let hash = FNV1a.hash(term)
            return document.headlineSet.contains(term, hash: hash) || (scope == .anywhere && document.bodySet.contains(term, hash: hash))
        case .prefix(let prefix):
            return document.headlineSet.containsPrefix(prefix) || (scope == .anywhere && document.bodySet.containsPrefix(prefix))
        case .phrase(let words):
            let hashes = words.map { FNV1a.hash($0) }
            return contains(document.headline, document.headlineHashes, words, hashes)
                || (scope == .anywhere && contains(document.body, document.bodyHashes, words, hashes))
        }
    }

    /// Whether `words` stand next to each other in `tokens`: found by hash, confirmed by text.
    static func contains(_ tokens: [String], _ tokenHashes: [UInt64], _ words: [String], _ hashes: [UInt64]) -> Bool {
        guard !words.isEmpty, tokens.count >= words.count else { return false }
        return tokenHashes.withUnsafeBufferPointer { tokenHashes in
            outer: for start in 0...(tokens.count - words.count) where tokenHashes[start] == hashes[0] {
                for offset in 1..<words.count where tokenHashes[start + offset] != hashes[offset] { continue outer }
                if (0..<words.count).allSatisfy({ tokens[start + $0] == words[$0] }) { return true }
            }
            return false
        }
    }
}
