/// A search or subscription query in the project's one query language (docs/QUERY.md).
///
/// ```
/// tariffs AND place:Iran
/// "humanitarian aid" OR (topic:immigration -court)
/// headline:sanctions source:wire lang:en
/// ```
public struct Query: Sendable, Hashable, CustomStringConvertible {
    /// The field filters the language knows, and the tag each filters on.
    public static let tagFields: [String] = ["topic", "entity", "person", "org", "place", "source", "lang"]
    /// The other fields: text in the headline, and the story's date.
    public static let otherFields: [String] = ["headline", "published", "since"]

    /// The longest query accepted, in characters.
    public static let maxLength = 4_000
    /// The deepest nesting accepted: parentheses and NOTs inside one another.
    public static let maxDepth = 32
    /// The most clauses (words, phrases, prefixes, filters, dates) one query may hold.
    public static let maxClauses = 256

    /// The text as the user wrote it.
    public let text: String
    /// The parsed tree.
    public let root: QueryNode

    /// Parses `text`.
    /// - Throws: ``QueryError`` with the column and what was expected, also for a query longer than
    ///   ``maxLength``, nested deeper than ``maxDepth`` or with more than ``maxClauses`` clauses.
    public init(_ text: String) throws(QueryError) {
        // Counted cheaply first: a megabyte of query is refused before it is split into characters.
        if text.utf8.count > Self.maxLength, text.utf8.count > 4 * Self.maxLength || text.count > Self.maxLength {
            throw QueryError(
                column: Self.maxLength + 1, expected: "a query of at most \(Self.maxLength) characters",
                found: "\(text.count) characters")
        }
        self.text = text
        var parser = QueryParser(text)
        self.root = try parser.parse()
    }

    /// The canonical text of the query.
    public var description: String { root.description }
}
