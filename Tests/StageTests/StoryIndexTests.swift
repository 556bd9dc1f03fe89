import Foundation
import IndexStage
import NewsModel
import TagStage
import Testing

/// A fresh index in a temporary directory, with the seed-like stories below in it.
struct IndexFixture {
    let directory: URL
    let index: StoryIndex
    let tagged: [TaggedStory]

    static let stories: [(String, String, String, String?)] = [
        ("s1", "Executive order threatens tariffs on countries that trade with Iran", "The order was signed on Monday.", "Example Wire"),
        ("s2", "U.S. lifts tariff on Indian goods", "The trade deal also covers energy.", "Trade Monitor"),
        ("s3", "Judge halts plan to end protected status for Haitians", "The court ruled the move could not take effect.", "Courts Daily"),
        ("s4", "Shelling damages homes in Russia's Belgorod region", "Power lines near the border with Ukraine were cut.", nil),
        ("s5", "Sanctions on Russia could widen", "Treasury officials discussed Iran and Russia sanctions.", "Example Wire"),
        ("s6", "Winter storm brings snow", "Schools closed as the storm moved east; humanitarian aid was not needed.", "Weather Desk"),
    ]

    init() async throws {
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("index-\(UUID().uuidString)")
        index = try StoryIndex(path: directory.appendingPathComponent("index.sqlite").path)
        let tagger = try Tagger.bundled()
        var tagged: [TaggedStory] = []
        for (offset, (id, headline, body, source)) in Self.stories.enumerated() {
            let story = Story(
                id: id, headline: headline, body: body, source: source,
                publishedAt: Date(timeIntervalSince1970: 1_770_000_000 + Double(offset) * 3600))
            let result = tagger.tag(story)
            tagged.append(result)
            try await index.upsert(result)
        }
        self.tagged = tagged
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

@Suite("The story index")
struct StoryIndexTests {
    @Test("a story indexed twice is one row, with the newer version kept")
    func upsertByID() async throws {
        let fixture = try await IndexFixture()
        defer { fixture.remove() }
        var changed = fixture.tagged[0]
        changed.story.headline = "Revised: tariffs on Iran trade"
        try await fixture.index.upsert(changed)
        try await fixture.index.upsert(changed)
        #expect(try await fixture.index.count() == IndexFixture.stories.count)
        let result = try await fixture.index.search(SearchRequest(query: "revised"))
        #expect(result.hits.map(\.id) == ["s1"])
        #expect(try await fixture.index.search(SearchRequest(query: "\"executive order\"")).total == 0)
    }

    @Test("hits carry tags, a highlighted snippet and a total count")
    func hitContents() async throws {
        let fixture = try await IndexFixture()
        defer { fixture.remove() }
        let result = try await fixture.index.search(SearchRequest(query: "tariffs AND place:Iran"))
        #expect(result.total == 1)
        let hit = try #require(result.hits.first)
        #expect(hit.id == "s1")
        #expect(hit.entities["place"] == ["Iran"])
        #expect(hit.topics.contains("Trade and tariffs"))
        #expect(hit.source == "Example Wire")
        #expect(hit.score > 0)
    }

    @Test("a headline match ranks above a body-only match")
    func headlineWeighsMore() async throws {
        let fixture = try await IndexFixture()
        defer { fixture.remove() }
        let result = try await fixture.index.search(SearchRequest(query: "sanctions"))
        #expect(result.hits.map(\.id) == ["s5"])
        let russia = try await fixture.index.search(SearchRequest(query: "russia"))
        #expect(russia.hits.first?.id == "s4" || russia.hits.first?.id == "s5")
        let iran = try await fixture.index.search(SearchRequest(query: "iran"))
        #expect(iran.hits.map(\.id) == ["s1", "s5"])
    }

    @Test("date order, pagination and the total")
    func paging() async throws {
        let fixture = try await IndexFixture()
        defer { fixture.remove() }
        let first = try await fixture.index.search(SearchRequest(query: "*", limit: 2, offset: 0, sort: .date))
        let second = try await fixture.index.search(SearchRequest(query: "*", limit: 2, offset: 2, sort: .date))
        #expect(first.total == 6)
        #expect(first.hits.map(\.id) == ["s6", "s5"])
        #expect(second.hits.map(\.id) == ["s4", "s3"])
    }

    @Test("a bad query is refused with the parser's column")
    func badQuery() async throws {
        let fixture = try await IndexFixture()
        defer { fixture.remove() }
        await #expect {
            _ = try await fixture.index.search(SearchRequest(query: "iran AND"))
        } throws: { error in
            (error as? ControlFailure)?.code == .badQuery && "\(error)".contains("column 9")
        }
    }

    @Test(
        "search and subscriptions give the same answers for the same query",
        arguments: [
            "tariffs", "tariff*", "tariffs OR tariff", "place:Iran", "place:Russia AND NOT sanctions", "-russia",
            "NOT (iran OR russia)", "\"humanitarian aid\"", "headline:sanctions", "headline:iran OR body", "topic:trade",
            "topic:economy -place:India", "source:\"Example Wire\"", "* -source:\"Example Wire\"", "u.s.", "court OR ruled",
            "(storm OR shelling) AND -snow", "published:[2026-02-02T04:00:00Z TO *]", "published:[* TO 2026-02-02T03:40:00Z] iran",
            "published:2026-02-02 -russia", "published:[2026-02-03 TO *]", "since:5000w", "since:1m OR storm",
        ])
    func sameMeaningAsMatcher(query: String) async throws {
        let fixture = try await IndexFixture()
        defer { fixture.remove() }
        let parsed = try Query(query)
        let expected = Set(fixture.tagged.filter { QueryMatcher.matches(parsed.root, MatchDocument($0)) }.map(\.story.id))
        let result = try await fixture.index.search(SearchRequest(query: query, limit: 100))
        #expect(Set(result.hits.map(\.id)) == expected)
        #expect(result.total == expected.count)
    }
}
