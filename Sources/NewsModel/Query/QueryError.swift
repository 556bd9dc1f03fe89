/// A query that could not be parsed: where, what was expected and what was found.
public struct QueryError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The 1-based column (in characters) where the problem is.
    public let column: Int
    /// What the parser expected there.
    public let expected: String
    /// What it found instead.
    public let found: String

    /// Creates an error.
    public init(column: Int, expected: String, found: String) {
        self.column = column
        self.expected = expected
        self.found = found
    }

    /// One sentence: `column 12: expected ')' to close '(' at column 1, found end of query`.
    public var description: String { "column \(column): expected \(expected), found \(found)" }
}
