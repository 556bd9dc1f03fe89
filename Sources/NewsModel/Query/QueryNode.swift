/// Which text a text clause searches.
public enum TextScope: String, Sendable, Hashable {
    /// Headline and body.
    case anywhere
    /// The headline only (`headline:`).
    case headline
}

/// A clause that matches words of the story's text.
public enum TextMatch: Sendable, Hashable {
    /// One folded token.
    case term(String)
    /// Folded tokens that must stand next to each other, in order.
    case phrase([String])
    /// Any token that starts with the folded text (`tariff*`).
    case prefix(String)
}

/// The parsed form of a query: one tree, with one meaning wherever it is evaluated.
public indirect enum QueryNode: Sendable, Hashable, CustomStringConvertible {
    /// Every story (`*`).
    case all
    /// Words of the story's text.
    case text(TextMatch, scope: TextScope)
    /// A field filter on the story's tags, source or language; `key` is its ``TagKey``.
    case tag(field: String, value: String, key: String)
    /// All of the clauses.
    case and([QueryNode])
    /// Any of the clauses.
    case or([QueryNode])
    /// Not the clause.
    case not(QueryNode)

    /// The canonical text of the clause: parsing it gives the same tree.
    public var description: String {
        switch self {
        case .all:
            return "*"
        case .text(let match, let scope):
            let body: String
            switch match {
            case .term(let term): body = term
            case .phrase(let words): body = "\"" + words.joined(separator: " ") + "\""
            case .prefix(let prefix): body = prefix + "*"
            }
            return scope == .headline ? "headline:" + body : body
        case .tag(let field, let value, _):
            let needsQuotes = value.contains(where: { $0.isWhitespace || $0 == "(" || $0 == ")" })
            return field + ":" + (needsQuotes ? "\"\(value)\"" : value)
        case .and(let children):
            return children.map { $0.isComposite ? "(\($0))" : "\($0)" }.joined(separator: " AND ")
        case .or(let children):
            return children.map { $0.isComposite ? "(\($0))" : "\($0)" }.joined(separator: " OR ")
        case .not(let child):
            return "NOT " + (child.isComposite ? "(\(child))" : "\(child)")
        }
    }

    var isComposite: Bool {
        switch self {
        case .and, .or: true
        default: false
        }
    }
}
