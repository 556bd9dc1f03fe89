import Foundation

/// A recursive-descent parser for the query language.
///
/// ```
/// query   := or
/// or      := and ("OR" and)*
/// and     := unary (["AND"] unary)*
/// unary   := ("NOT" | "-") unary | primary
/// primary := "(" or ")" | FIELD ":" (WORD | PHRASE) | "published:" (RANGE | DAY) | "since:" WINDOW
///          | PHRASE | WORD ["*"] | "*"
/// RANGE   := "[" (DATE | "*") "TO" (DATE | "*") "]"
/// ```
/// `AND`, `OR` and `NOT` are operators only in capitals; adjacent clauses are joined by AND.
struct QueryParser {
    enum TokenKind: Equatable {
        case word(String)
        case phrase(String)
        /// The inside of `[… TO …]`, with the column of its first character.
        case range(String, Int)
        case field(String)
        case open, close, and, or, not, minus, end
    }

    struct Token {
        var kind: TokenKind
        var column: Int
    }

    private var tokens: [Token] = []
    private var position = 0
    /// Parentheses and NOTs open around the clause being parsed (bounded by ``Query/maxDepth``, so no
    /// input can make the recursion, or any walk of the tree, deeper than that).
    private var depth = 0
    /// Clauses made so far (bounded by ``Query/maxClauses``).
    private var clauses = 0
    private var lexError: QueryError?

    init(_ text: String) {
        do {
            tokens = try QueryParser.lex(text)
        } catch {
            lexError = error
        }
    }

    mutating func parse() throws(QueryError) -> QueryNode {
        if let lexError { throw lexError }
        if peek.kind == .end {
            throw QueryError(column: peek.column, expected: "a term, a \"phrase\" or a field such as place:Iran", found: "an empty query")
        }
        let node = try parseOr()
        if peek.kind != .end {
            let found = describe(peek)
            throw QueryError(column: peek.column, expected: peek.kind == .close ? "no ')' without a matching '('" : "AND, OR or the end of the query", found: found)
        }
        return node
    }

    // MARK: - Grammar

    private var peek: Token { tokens[position] }

    private mutating func advance() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private mutating func parseOr() throws(QueryError) -> QueryNode {
        var children = [try parseAnd(after: nil)]
        while peek.kind == .or {
            let operatorToken = advance()
            children.append(try parseAnd(after: operatorToken))
        }
        return children.count == 1 ? children[0] : .or(children)
    }

    private mutating func parseAnd(after operatorToken: Token?) throws(QueryError) -> QueryNode {
        var children = [try parseUnary(after: operatorToken)]
        while true {
            switch peek.kind {
            case .and:
                let operatorToken = advance()
                children.append(try parseUnary(after: operatorToken))
            case .word, .phrase, .range, .field, .open, .not, .minus:
                children.append(try parseUnary(after: nil))
            case .or, .close, .end:
                return children.count == 1 ? children[0] : .and(children)
            }
        }
    }

    private mutating func parseUnary(after operatorToken: Token?) throws(QueryError) -> QueryNode {
        if peek.kind == .not || peek.kind == .minus {
            let negation = advance()
            try enter(negation)
            defer { depth -= 1 }
            return .not(try parseUnary(after: negation))
        }
        let opensGroup = peek.kind == .open
        let node = try parsePrimary(after: operatorToken)
        if !opensGroup {
            clauses += 1
            guard clauses <= Query.maxClauses else {
                throw QueryError(
                    column: tokens[max(0, position - 1)].column, expected: "at most \(Query.maxClauses) clauses in one query",
                    found: "clause \(clauses)")
            }
        }
        return node
    }

    /// One level deeper: refused past ``Query/maxDepth``.
    private mutating func enter(_ token: Token) throws(QueryError) {
        depth += 1
        guard depth <= Query.maxDepth else {
            throw QueryError(
                column: token.column, expected: "at most \(Query.maxDepth) levels of parentheses and NOT",
                found: "level \(depth) opened by \(describe(token))")
        }
    }

    private mutating func parsePrimary(after operatorToken: Token?) throws(QueryError) -> QueryNode {
        let token = peek
        switch token.kind {
        case .open:
            _ = advance()
            try enter(token)
            defer { depth -= 1 }
            let inner = try parseOr()
            guard peek.kind == .close else {
                throw QueryError(column: peek.column, expected: "')' to close '(' at column \(token.column)", found: describe(peek))
            }
            _ = advance()
            return inner
        case .phrase(let text):
            _ = advance()
            return try textNode(text, quoted: true, scope: .anywhere, column: token.column)
        case .word(let text):
            _ = advance()
            return try textNode(text, quoted: false, scope: .anywhere, column: token.column)
        case .field(let name):
            _ = advance()
            let valueToken = advance()
            let value: String
            let quoted: Bool
            switch valueToken.kind {
            case .word(let text):
                value = text
                quoted = false
            case .phrase(let text):
                value = text
                quoted = true
            case .range(let inside, let column) where name == "published":
                return try dateRange(inside, column: column)
            default:
                throw QueryError(column: valueToken.column, expected: "a value after \(name):", found: describe(valueToken))
            }
            if name == "headline" {
                return try textNode(value, quoted: quoted, scope: .headline, column: valueToken.column)
            }
            if name == "since" {
                guard let seconds = DateBound.window(value) else {
                    throw QueryError(column: valueToken.column, expected: "a window such as 30m, 24h, 7d or 2w after since:", found: "'\(value)'")
                }
                return .since(seconds: seconds)
            }
            if name == "published" {
                // One day: published:2026-02-01.
                guard value.utf8.count == 10, let from = DateBound.parse(value, upper: false), let before = DateBound.parse(value, upper: true) else {
                    throw QueryError(
                        column: valueToken.column, expected: "a day such as 2026-02-01 or a range such as [2026-01-01 TO 2026-02-01] after published:",
                        found: "'\(value)'")
                }
                return .published(from: from, before: before)
            }
            let key = TagKey.make(field: name, value: value)
            guard key != name + "_" else {
                throw QueryError(column: valueToken.column, expected: "a value with letters or digits after \(name):", found: "'\(value)'")
            }
            return .tag(field: name, value: value, key: key)
        default:
            let context = operatorToken.map { " after \(describe($0))" } ?? ""
            throw QueryError(
                column: token.column, expected: "a term, a \"phrase\", a field such as place:Iran, or '('\(context)",
                found: describe(token))
        }
    }

    private func textNode(_ text: String, quoted: Bool, scope: TextScope, column: Int) throws(QueryError) -> QueryNode {
        if !quoted && text == "*" && scope == .anywhere { return .all }
        let isPrefix = !quoted && text.hasSuffix("*")
        let words = TextTokenizer.tokens(in: isPrefix ? String(text.dropLast()) : text).map(\.text)
        guard !words.isEmpty else {
            throw QueryError(column: column, expected: "a word with letters or digits", found: "'\(text)'")
        }
        if isPrefix {
            guard words.count == 1 else {
                throw QueryError(column: column, expected: "a single word before '*'", found: "'\(text)'")
            }
            return .text(.prefix(words[0]), scope: scope)
        }
        return .text(words.count == 1 ? .term(words[0]) : .phrase(words), scope: scope)
    }

    /// `2026-01-01 TO 2026-02-01`, either side `*`, each a day or an RFC 3339 instant.
    private func dateRange(_ inside: String, column: Int) throws(QueryError) -> QueryNode {
        let parts = inside.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard parts.count == 3, parts[1] == "TO" else {
            throw QueryError(column: column, expected: "a range such as [2026-01-01 TO 2026-02-01] (either side may be *)", found: "'[\(inside)]'")
        }
        func bound(_ text: String, upper: Bool) throws(QueryError) -> Date? {
            if text == "*" { return nil }
            guard let date = DateBound.parse(text, upper: upper) else {
                let offset = inside.range(of: text, options: upper ? .backwards : [])
                    .map { inside.distance(from: inside.startIndex, to: $0.lowerBound) } ?? 0
                throw QueryError(
                    column: column + offset, expected: "a day such as 2026-01-01, an RFC 3339 time or *", found: "'\(text)'")
            }
            return date
        }
        let from = try bound(parts[0], upper: false)
        let before = try bound(parts[2], upper: true)
        if let from, let before, before <= from {
            throw QueryError(column: column, expected: "a range whose start comes before its end", found: "'[\(inside)]'")
        }
        return .published(from: from, before: before)
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .range(let inside, _): "'[\(inside)]'"
        case .word(let text): "'\(text)'"
        case .phrase(let text): "\"\(text)\""
        case .field(let name): "'\(name):'"
        case .open: "'('"
        case .close: "')'"
        case .and: "AND"
        case .or: "OR"
        case .not: "NOT"
        case .minus: "'-'"
        case .end: "end of query"
        }
    }

    // MARK: - Lexer

    static let fields: Set<String> = Set(Query.tagFields + Query.otherFields)

    static func lex(_ text: String) throws(QueryError) -> [Token] {
        var tokens: [Token] = []
        let characters = Array(text)
        var index = 0
        func isBreak(_ c: Character) -> Bool { c.isWhitespace || c == "(" || c == ")" || c == "\"" }
        while index < characters.count {
            let c = characters[index]
            let column = index + 1
            if c.isWhitespace {
                index += 1
            } else if c == "(" {
                tokens.append(Token(kind: .open, column: column))
                index += 1
            } else if c == ")" {
                tokens.append(Token(kind: .close, column: column))
                index += 1
            } else if c == "\"" {
                var end = index + 1
                while end < characters.count && characters[end] != "\"" { end += 1 }
                guard end < characters.count else {
                    throw QueryError(column: column, expected: "a closing '\"' for the phrase opened here", found: "end of query")
                }
                tokens.append(Token(kind: .phrase(String(characters[(index + 1)..<end])), column: column))
                index = end + 1
            } else if c == "-" && index + 1 < characters.count && !characters[index + 1].isWhitespace
                && characters[index + 1] != ")" && (index == 0 || isBreak(characters[index - 1]))
            {
                tokens.append(Token(kind: .minus, column: column))
                index += 1
            } else {
                var end = index
                while end < characters.count && !isBreak(characters[end]) { end += 1 }
                let word = String(characters[index..<end])
                if let colon = word.firstIndex(of: ":") {
                    let name = String(word[..<colon])
                    let rest = String(word[word.index(after: colon)...])
                    // Anything shaped like a field name is one: an unknown one (`story_fts:`) is refused.
                    if let first = name.first, first.isLetter, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                        guard fields.contains(name.lowercased()) else {
                            throw QueryError(
                                column: column,
                                expected: "a known field (" + (Query.tagFields + Query.otherFields).map { $0 + ":" }.joined(separator: ", ") + ")",
                                found: "'\(name):'")
                        }
                        tokens.append(Token(kind: .field(name.lowercased()), column: column))
                        if rest.hasPrefix("[") && name.lowercased() == "published" {
                            // A date range runs to its ']', spaces and all.
                            let open = index + name.count + 1
                            var close = open + 1
                            while close < characters.count && characters[close] != "]" { close += 1 }
                            guard close < characters.count else {
                                throw QueryError(column: open + 1, expected: "a closing ']' for the date range opened here", found: "end of query")
                            }
                            tokens.append(Token(kind: .range(String(characters[(open + 1)..<close]), open + 2), column: open + 1))
                            index = close + 1
                            continue
                        }
                        if !rest.isEmpty {
                            tokens.append(Token(kind: .word(rest), column: column + name.count + 1))
                        }
                        index = end
                        continue
                    }
                }
                switch word {
                case "AND": tokens.append(Token(kind: .and, column: column))
                case "OR": tokens.append(Token(kind: .or, column: column))
                case "NOT": tokens.append(Token(kind: .not, column: column))
                default: tokens.append(Token(kind: .word(word), column: column))
                }
                index = end
            }
        }
        tokens.append(Token(kind: .end, column: characters.count + 1))
        return tokens
    }
}
