import Foundation
import NewsModel

/// Translates a parsed query into SQL over the index's tables, with the same meaning as
/// ``QueryMatcher`` gives it: every text clause and tag filter becomes an FTS5 match on its own, and the
/// Boolean structure stays in SQL, where NOT means what it says even without a positive clause.
struct FTSQueryCompiler {
    /// A SQL condition on `story s` and the FTS5 expressions it binds, in order.
    struct Condition {
        var sql: String
        var arguments: [String]
    }

    /// The WHERE condition for `node`, with `since:` windows counted back from `now`.
    static func condition(_ node: QueryNode, now: Date = Date()) -> Condition {
        switch node {
        case .all:
            return Condition(sql: "1", arguments: [])
        case .text(let match, let scope):
            return ftsCondition(textExpression(match, scope: scope))
        case .tag(_, _, let key):
            return ftsCondition("tags : " + quote(key))
        case .published(let from, let before):
            var parts: [Condition] = []
            if let from, from > Self.startOfDates {
                parts.append(Condition(sql: "\(storyDate) >= ?", arguments: [RFC3339.format(from)]))
            }
            // Stored dates are RFC 3339 text, years 0001-9999: a bound past the last of them (the day after
            // 9999-12-31) would compare as text before them all, so it is left open, as it is in effect.
            if let before, before < Self.endOfDates {
                parts.append(Condition(sql: "\(storyDate) < ?", arguments: [RFC3339.format(before)]))
            }
            return parts.isEmpty ? Condition(sql: "1", arguments: []) : combine(parts, with: "AND")
        case .since(let seconds):
            return Condition(sql: "\(storyDate) >= ?", arguments: [RFC3339.format(now.addingTimeInterval(-TimeInterval(seconds)))])
        case .and(let children):
            return combine(children.map { condition($0, now: now) }, with: "AND")
        case .or(let children):
            return combine(children.map { condition($0, now: now) }, with: "OR")
        case .not(let child):
            let inner = condition(child, now: now)
            return Condition(sql: "NOT (\(inner.sql))", arguments: inner.arguments)
        }
    }

    /// The whole query as one FTS5 MATCH expression, when FTS5 can say it: words, phrases, prefixes and
    /// tag filters joined by AND and OR, with NOT only beside a positive clause (`a NOT b`). Nil for `*`,
    /// dates and a NOT with nothing positive next to it; those queries take the general path.
    static func matchExpression(_ node: QueryNode) -> String? {
        switch node {
        case .text(let match, let scope):
            return textExpression(match, scope: scope)
        case .tag(_, _, let key):
            return "tags : " + quote(key)
        case .and(let children):
            var positives: [String] = []
            var negatives: [String] = []
            for child in children {
                if case .not(let inner) = child {
                    guard let expression = matchExpression(inner) else { return nil }
                    negatives.append(expression)
                } else {
                    guard let expression = matchExpression(child) else { return nil }
                    positives.append(expression)
                }
            }
            guard !positives.isEmpty else { return nil }
            return "(" + positives.map { "(\($0))" }.joined(separator: " AND ") + ")" + negatives.map { " NOT (\($0))" }.joined()
        case .or(let children):
            var parts: [String] = []
            for child in children {
                guard let expression = matchExpression(child) else { return nil }
                parts.append("(\(expression))")
            }
            return parts.joined(separator: " OR ")
        case .all, .not, .published, .since:
            return nil
        }
    }

    /// The first instant of 0001-01-01, the first day RFC 3339 text can hold.
    static let startOfDates = Date(timeIntervalSince1970: -62_135_596_800)

    /// The first instant after 9999-12-31, the last day RFC 3339 text can hold.
    static let endOfDates = Date(timeIntervalSince1970: 253_402_300_800)

    /// The story's date as stored (RFC 3339 text in UTC, milliseconds: text order is time order).
    static let storyDate = "coalesce(s.published_at, s.received_at)"

    /// An FTS5 expression, for ranking and snippets, of the text clauses that count for a match (those
    /// outside any NOT), or nil when the query has none.
    static func rankExpression(_ node: QueryNode) -> String? {
        let parts = positiveTextClauses(node).map { textExpression($0.0, scope: $0.1) }
        guard !parts.isEmpty else { return nil }
        var seen = Set<String>()
        return parts.filter { seen.insert($0).inserted }.joined(separator: " OR ")
    }

    /// The text clauses outside any NOT, with their scope.
    static func positiveTextClauses(_ node: QueryNode) -> [(TextMatch, TextScope)] {
        switch node {
        case .text(let match, let scope): [(match, scope)]
        case .and(let children), .or(let children): children.flatMap(positiveTextClauses)
        case .all, .tag, .not, .published, .since: []
        }
    }

    private static func textExpression(_ match: TextMatch, scope: TextScope) -> String {
        let columns = scope == .headline ? "headline" : "{headline body}"
        switch match {
        case .term(let term): return "\(columns) : \(quote(term))"
        case .phrase(let words): return "\(columns) : \(quote(words.joined(separator: " ")))"
        case .prefix(let prefix): return "\(columns) : \(quote(prefix)) *"
        }
    }

    private static func ftsCondition(_ expression: String) -> Condition {
        Condition(sql: "s.rowid IN (SELECT rowid FROM story_fts WHERE story_fts MATCH ?)", arguments: [expression])
    }

    private static func combine(_ parts: [Condition], with keyword: String) -> Condition {
        Condition(
            sql: parts.map { "(\($0.sql))" }.joined(separator: " \(keyword) "), arguments: parts.flatMap(\.arguments))
    }

    /// An FTS5 string: in double quotes, with inner quotes doubled.
    static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
