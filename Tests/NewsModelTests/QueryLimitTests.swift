import Foundation
import NewsModel
import Testing

@Suite("Query limits")
struct QueryLimitTests {
    private func error(_ text: String) -> QueryError? {
        do {
            _ = try Query(text)
            return nil
        } catch {
            return error
        }
    }

    @Test("ten thousand nested parentheses are refused at the first level past the limit, without recursing")
    func deepParentheses() throws {
        let text = String(repeating: "(", count: 10_000) + "iran" + String(repeating: ")", count: 10_000)
        let refusal = try #require(error(text))
        // Longer than the length limit too: the length is checked first.
        #expect(refusal.expected.contains("at most \(Query.maxLength) characters"))
        let deep = String(repeating: "(", count: 1_000) + "iran" + String(repeating: ")", count: 1_000)
        let nested = try #require(error(deep))
        #expect(nested.column == Query.maxDepth + 1)
        #expect(nested.expected.contains("at most \(Query.maxDepth) levels"))
        let allowed = String(repeating: "(", count: Query.maxDepth) + "iran" + String(repeating: ")", count: Query.maxDepth)
        #expect(try Query(allowed).description == "iran")
    }

    @Test("a chain of NOTs and minus signs counts as nesting")
    func deepNegation() throws {
        let chain = String(repeating: "NOT ", count: 500) + "iran"
        let refusal = try #require(error(chain))
        #expect(refusal.expected.contains("levels of parentheses and NOT"))
        #expect(refusal.column == Query.maxDepth * 4 + 1)
        #expect(error(String(repeating: "-(", count: 200) + "x" + String(repeating: ")", count: 200)) != nil)
    }

    @Test("a megabyte of query is refused by its length")
    func longQuery() throws {
        let refusal = try #require(error(String(repeating: "a", count: 1 << 20) + "*"))
        #expect(refusal.column == Query.maxLength + 1)
        #expect(refusal.description.contains("at most 4000 characters"))
    }

    @Test("more clauses than the limit are refused at the first one too many")
    func manyClauses() throws {
        let words = (0..<300).map { "w\($0)" }
        let refusal = try #require(error(words.joined(separator: " OR ")))
        #expect(refusal.expected.contains("at most \(Query.maxClauses) clauses"))
        #expect(try Query(words.prefix(Query.maxClauses).joined(separator: " ")).root != .all)
        // A group of one word is one clause, not two.
        #expect(try Query(Array(repeating: "(x)", count: Query.maxClauses).joined(separator: " ")).root != .all)
    }

    @Test("a field the language does not know is refused, whatever characters its name has")
    func unknownFields() throws {
        for text in ["story_fts:iran", "tags2:iran", "rowid:1"] {
            let refusal = try #require(error(text), "\(text)")
            #expect(refusal.expected.contains("a known field"))
            #expect(refusal.column == 1)
        }
        // Not field-shaped: still words.
        #expect(try Query("10:30").description == "\"10 30\"")
    }
}
