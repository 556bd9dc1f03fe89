import Foundation

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
    /// Stories dated (published, or received when undated) at or after `from` and before `before`
    /// (`published:[2026-01-01 TO 2026-02-01]`; a missing bound is open).
    case published(from: Date?, before: Date?)
    /// Stories dated within the last `seconds` before the moment of evaluation (`since:7d`).
    case since(seconds: Int)
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
        case .published(let from, let before):
            return "published:[\(from.map { DateBound.describe($0, upper: false) } ?? "*") TO \(before.map { DateBound.describe($0, upper: true) } ?? "*")]"
        case .since(let seconds):
            return "since:" + DateBound.describe(seconds: seconds)
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

/// How date bounds are read and written: a day (`2026-01-01`, UTC) or an RFC 3339 instant; an upper
/// bound includes its whole day, or its instant to the millisecond.
public enum DateBound {
    static let day: TimeInterval = 86_400

    /// The bound's instant: a lower bound's first moment, or the first moment after an upper bound.
    static func parse(_ text: String, upper: Bool) -> Date? {
        if text.utf8.count == 10 {
            // The parser rolls 2026-02-30 over to March; such a day is refused instead.
            guard let date = RFC3339.parse(text + "T00:00:00Z"), RFC3339.format(date).hasPrefix(text) else { return nil }
            return upper ? date.addingTimeInterval(day) : date
        }
        guard let date = RFC3339.parse(text) else { return nil }
        return upper ? date.addingTimeInterval(0.001) : date
    }

    /// The text that parses back to `date`.
    static func describe(_ date: Date, upper: Bool) -> String {
        let seconds = date.timeIntervalSince1970
        if seconds.truncatingRemainder(dividingBy: day) == 0 {
            return String(RFC3339.format(upper ? date.addingTimeInterval(-day) : date).prefix(10))
        }
        return RFC3339.format(upper ? date.addingTimeInterval(-0.001) : date)
    }

    static let units: [(Character, Int)] = [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)]

    /// Seconds of a window such as `7d`, `36h`, `2w` or `90m` (as `since:` and `--backfill` take them).
    public static func window(_ text: String) -> Int? {
        guard let unit = text.last, let seconds = units.first(where: { $0.0 == unit })?.1,
            let count = Int(text.dropLast()), count > 0, count <= 100_000
        else { return nil }
        return count * seconds
    }

    /// The shortest window text for `seconds`.
    public static func describe(seconds: Int) -> String {
        for (unit, size) in units where seconds % size == 0 { return "\(seconds / size)\(unit)" }
        return "\(max(1, seconds / 60))m"
    }
}
