/// A story as the query language sees it: folded tokens of headline and body, and its tag keys.
public struct MatchDocument: Sendable {
    /// The headline's folded tokens, in order.
    public var headline: [String]
    /// The body's folded tokens, in order.
    public var body: [String]
    /// The story's ``TagKey``s.
    public var tagKeys: Set<String>
    let headlineSet: Set<String>
    let bodySet: Set<String>

    /// Makes the document of a tagged story.
    public init(_ tagged: TaggedStory) {
        self.init(headline: tagged.story.headline, body: tagged.story.body, tagKeys: tagged.tagKeys)
    }

    /// Makes a document from raw text and tag keys.
    public init(headline: String, body: String, tagKeys: Set<String>) {
        self.headline = TextTokenizer.tokens(in: headline).map(\.text)
        self.body = TextTokenizer.tokens(in: body).map(\.text)
        self.tagKeys = tagKeys
        headlineSet = Set(self.headline)
        bodySet = Set(self.body)
    }
}

/// Evaluates a query against one story. Its answers are, by construction and by test, those of the
/// index's SQL for the same query.
public enum QueryMatcher {
    /// True when the story satisfies the query.
    public static func matches(_ node: QueryNode, _ document: MatchDocument) -> Bool {
        switch node {
        case .all:
            return true
        case .text(let match, let scope):
            return matchesText(match, scope: scope, document)
        case .tag(_, _, let key):
            return document.tagKeys.contains(key)
        case .and(let children):
            return children.allSatisfy { matches($0, document) }
        case .or(let children):
            return children.contains { matches($0, document) }
        case .not(let child):
            return !matches(child, document)
        }
    }

    /// The clauses, outside any NOT, that the story satisfies: why a matching story matched.
    public static func explain(_ node: QueryNode, _ document: MatchDocument) -> [String] {
        switch node {
        case .all:
            return ["*"]
        case .text, .tag:
            return matches(node, document) ? [node.description] : []
        case .and(let children), .or(let children):
            var seen = Set<String>()
            return children.flatMap { explain($0, document) }.filter { seen.insert($0).inserted }
        case .not:
            return []
        }
    }

    private static func matchesText(_ match: TextMatch, scope: TextScope, _ document: MatchDocument) -> Bool {
        switch match {
        case .term(let term):
            return document.headlineSet.contains(term) || (scope == .anywhere && document.bodySet.contains(term))
        case .prefix(let prefix):
            return document.headlineSet.contains { $0.hasPrefix(prefix) }
                || (scope == .anywhere && document.bodySet.contains { $0.hasPrefix(prefix) })
        case .phrase(let words):
            return contains(document.headline, words) || (scope == .anywhere && contains(document.body, words))
        }
    }

    private static func contains(_ tokens: [String], _ words: [String]) -> Bool {
        guard !words.isEmpty, tokens.count >= words.count else { return false }
        for start in 0...(tokens.count - words.count) where tokens[start] == words[0] {
            var all = true
            for offset in 1..<words.count where tokens[start + offset] != words[offset] {
                all = false
                break
            }
            if all { return true }
        }
        return false
    }
}
