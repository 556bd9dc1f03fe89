import Foundation
import NewsModel
import Testing

@Suite("The query language parser")
struct QueryParserTests {
    @Test(
        "queries parse to their canonical form",
        arguments: [
            ("tariffs", "tariffs"),
            ("Tariffs Iran", "tariffs AND iran"),
            ("tariffs AND iran OR sanctions", "(tariffs AND iran) OR sanctions"),
            ("tariffs AND (iran OR russia)", "tariffs AND (iran OR russia)"),
            ("NOT court", "NOT court"),
            ("-court aid", "NOT court AND aid"),
            ("\"humanitarian aid\"", "\"humanitarian aid\""),
            ("U.S.", "\"u s\""),
            ("tariff*", "tariff*"),
            ("place:Iran", "place:Iran"),
            ("place:\"United States\"", "place:\"United States\""),
            ("headline:sanctions", "headline:sanctions"),
            ("topic:immigration -source:tabloid", "topic:immigration AND NOT source:tabloid"),
            ("*", "*"),
            ("e-mail", "\"e mail\""),
            ("Gaza and aid", "gaza AND and AND aid"),
            ("published:[2026-01-01 TO 2026-02-01]", "published:[2026-01-01 TO 2026-02-01]"),
            ("published:[2026-01-01T09:30:00Z TO *]", "published:[2026-01-01T09:30:00.000Z TO *]"),
            ("published:[* TO 2026-01-31T23:00:00+01:00]", "published:[* TO 2026-01-31T22:00:00.000Z]"),
            ("published:2026-03-04", "published:[2026-03-04 TO 2026-03-04]"),
            ("since:7d tariffs", "since:1w AND tariffs"),
            ("since:36h", "since:36h"),
            ("since:90m", "since:90m"),
        ])
    func canonicalForm(text: String, canonical: String) throws {
        let query = try Query(text)
        #expect(query.description == canonical)
        #expect(try Query(canonical).root == query.root)
    }

    @Test("field filters map to one tag key however the value is written")
    func tagKeys() throws {
        guard case .tag(let field, _, let key) = try Query("place:\"United  States\"").root else {
            Issue.record("not a tag clause")
            return
        }
        #expect(field == "place")
        #expect(key == "place_united_states")
        guard case .tag(_, _, let other) = try Query("PLACE:united-states").root else {
            Issue.record("not a tag clause")
            return
        }
        #expect(other == key)
    }

    @Test(
        "a bad query gets the column and what was expected",
        arguments: [
            ("", 1, "a term"),
            ("tariffs AND", 12, "after AND"),
            ("(iran OR russia", 16, "')' to close '(' at column 1"),
            ("iran)", 5, "no ')' without a matching '('"),
            ("\"open phrase", 1, "closing '\"'"),
            ("color:red", 1, "a known field"),
            ("place:", 7, "a value after place:"),
            ("OR iran", 1, "a term"),
            ("iran OR OR russia", 9, "after OR"),
            ("&&", 1, "a word with letters or digits"),
            ("iran published:[2026-13-01 TO *]", 17, "a day such as 2026-01-01"),
            ("published:[2026-01-01 TO 2026-02-30]", 26, "a day such as 2026-01-01"),
            ("published:[2026-01-01 2026-02-01]", 12, "a range such as"),
            ("published:[2026-02-01 TO 2026-01-01]", 12, "start comes before its end"),
            ("published:[2026-01-01 TO", 11, "a closing ']'"),
            ("published:yesterday", 11, "a day such as 2026-02-01"),
            ("since:7", 7, "a window such as"),
            ("since:7y", 7, "a window such as"),
        ])
    func errors(text: String, column: Int, expected: String) {
        #expect {
            _ = try Query(text)
        } throws: { error in
            guard let error = error as? QueryError else { return false }
            return error.column == column && error.description.contains(expected)
        }
    }
}

@Suite("Query evaluation against a story")
struct QueryMatcherTests {
    let document = MatchDocument(
        headline: "Executive order threatens 25% tariffs on countries that trade with Iran",
        body: "President Trump signed an order. U.S. officials described the humanitarian aid plan.",
        tagKeys: ["place_iran", "person_donald_trump", "topic_trade", "topic_medtop_04000000", "source_example_wire"],
        date: RFC3339.parse("2026-01-15T12:00:00Z"))

    @Test(
        "clauses match as the language defines",
        arguments: [
            ("tariffs", true), ("TARIFFS", true), ("tariff", false), ("tariff*", true), ("tariffs iran", true),
            ("tariffs AND russia", false), ("tariffs OR russia", true), ("NOT russia", true), ("-tariffs", false),
            ("\"humanitarian aid\"", true), ("\"aid humanitarian\"", false), ("\"iran president\"", false),
            ("U.S.", true), ("place:Iran", true), ("place:Russia", false), ("person:\"Donald Trump\"", true),
            ("topic:trade", true), ("source:\"Example Wire\"", true), ("headline:iran", true), ("headline:president", false),
            ("*", true), ("* -iran", false), ("(russia OR iran) AND NOT place:Russia", true),
            ("published:[2026-01-01 TO 2026-01-31]", true), ("published:[2026-01-16 TO *]", false),
            ("published:[* TO 2026-01-15]", true), ("published:[* TO 2026-01-14]", false), ("published:2026-01-15", true),
            ("published:[2026-01-15T12:00:00Z TO 2026-01-15T12:00:00Z]", true),
            ("published:[2026-01-15T12:00:00.001Z TO *]", false),
        ])
    func evaluation(query: String, expected: Bool) throws {
        #expect(QueryMatcher.matches(try Query(query).root, document) == expected)
    }

    @Test("since: counts back from the moment of evaluation")
    func relativeWindow() throws {
        let query = try Query("since:1d tariffs")
        let story = RFC3339.parse("2026-01-15T12:00:00Z")!
        #expect(QueryMatcher.matches(query.root, document, now: story.addingTimeInterval(23 * 3600)))
        #expect(!QueryMatcher.matches(query.root, document, now: story.addingTimeInterval(25 * 3600)))
        #expect(QueryMatcher.explain(query.root, document, now: story) == ["since:1d", "tariffs"])
    }

    @Test("the explanation lists the satisfied clauses outside NOT")
    func explanation() throws {
        let query = try Query("place:Iran OR tariffs OR russia -sanctions")
        #expect(QueryMatcher.explain(query.root, document) == ["place:Iran", "tariffs"])
    }
}

@Suite("Text tokens")
struct TextTokenizerTests {
    @Test("tokens are folded to lower case without accents, with scalar offsets")
    func folding() {
        let tokens = TextTokenizer.tokens(in: "Türkiye’s São Paulo_2")
        #expect(tokens.map(\.text) == ["turkiye", "s", "sao", "paulo_2"])
        #expect(tokens.map(\.raw) == ["Türkiye", "s", "São", "Paulo_2"])
        #expect(tokens[2].start == 10)
        #expect(tokens[2].end == 13)
    }

    @Test("tag keys are stable slugs")
    func slugs() {
        #expect(TagKey.make(field: "topic", value: "medtop:11000000") == "topic_medtop_11000000")
        #expect(TagKey.make(field: "place", value: "Washington, D.C.") == "place_washington_d_c")
    }
}
