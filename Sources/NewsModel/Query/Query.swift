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

    /// The text as the user wrote it.
    public let text: String
    /// The parsed tree.
    public let root: QueryNode

    /// Parses `text`.
    /// - Throws: ``QueryError`` with the column and what was expected.
    public init(_ text: String) throws(QueryError) {
        self.text = text
        var parser = QueryParser(text)
        self.root = try parser.parse()
    }

    /// The canonical text of the query.
    public var description: String { root.description }
}
