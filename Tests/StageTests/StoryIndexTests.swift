import Foundation
import GRDB
@testable import IndexStage
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

    @Test("the full-text table keeps no copy of the text; an index from before (a content table) is rebuilt and still finds every story")
    func contentlessIndex() async throws {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("index-v3-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("index.sqlite").path
        // An index as the previous version left it: schema v3, the FTS table holding the folded text.
        let tagged = try Tagger.bundled().tag(Story(id: "old-1", headline: "Ferries to Orkney cancelled", body: "Gales closed the harbour.", source: "Isles Wire"))
        do {
            let queue = try DatabaseQueue(path: path)
            try StoryIndex.migrator.migrate(queue, upTo: "v3: folded text")
            try await queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO story (id, headline, body, source, received_at, indexed_at, tagged_json, hit_json)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        "old-1", tagged.story.headline, tagged.story.body, "Isles Wire", RFC3339.format(Date()), RFC3339.format(Date()),
                        String(decoding: try JSONCoding.encoder().encode(tagged), as: UTF8.self),
                        String(decoding: try JSONCoding.encoder().encode(StoryIndex.hit(tagged)), as: UTF8.self),
                    ])
                try db.execute(
                    sql: "INSERT INTO story_fts (rowid, headline, body, tags) VALUES (last_insert_rowid(), ?, ?, ?)",
                    arguments: [StoryIndex.folded(tagged.story.headline), StoryIndex.folded(tagged.story.body), StoryIndex.indexedTags(tagged)])
            }
            try queue.close()
        }
        let index = try StoryIndex(path: path)
        #expect(try await index.search(SearchRequest(query: "orkney AND source:\"Isles Wire\"")).hits.map(\.id) == ["old-1"])
        // Replaced (a retag, a new version): the old words are gone from the index, the new ones found.
        var changed = tagged
        changed.story.body = "The harbour reopened at noon."
        try await index.upsert(changed)
        #expect(try await index.search(SearchRequest(query: "gales")).total == 0)
        #expect(try await index.search(SearchRequest(query: "reopened")).hits.map(\.id) == ["old-1"])
        let schema = try await DatabaseQueue(path: path).read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'story_fts'")
        }
        #expect(schema?.contains("content = ''") == true, "\(schema ?? "no story_fts")")
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
        #expect(hit.topics.contains("International trade"))
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

/// Search and alerts on text nobody here wrote in English: generated stories in many scripts, with
/// control characters and dates at the ends of the calendar, and generated queries over them.
@Suite("Search and alerts agree on every text")
struct MultilingualAgreementTests {
    static let vocabulary = [
        "Ελλάδα", "Αθήνα", "εκλογές", "Việt", "Nam", "Hà", "Nội", "Москва", "выборы", "Київ", "नमस्ते", "भारत", "चुनाव",
        "مصر", "القاهرة", "北京", "上海", "東京", "İstanbul", "Türkiye", "Straße", "Größe", "São", "Paulo", "Zürich",
        "naïve", "café", "Łódź", "Ñandú", "tariffs", "harbour", "storm", "x_y", "２０２６", "½", "🙂", "ǅemal", "Øresund",
    ]
    static let dates = [
        "0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "2026-02-02T12:00:00Z", "9999-12-30T12:00:00Z", "9999-12-31T23:59:59Z",
    ]

    /// A small deterministic generator, so a failure names the same stories every run.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test("index and matcher give the same stories for words, prefixes, phrases and dates in many scripts")
    func agreement() async throws {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("multi-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let index = try StoryIndex(path: directory.appendingPathComponent("index.sqlite").path)
        var random = Generator(state: 20_261_201)
        var tagged: [TaggedStory] = []
        let separators = [" ", " ", ", ", "\u{0000}", "\u{0007}", "-", "\n", "\u{0085}", "\u{00A0}"]
        for number in 0..<300 {
            func words(_ count: Int) -> String {
                (0..<count).map { _ in
                    let word = Self.vocabulary[random.next(Self.vocabulary.count)]
                    return (random.next(3) == 0 ? word.uppercased() : word) + separators[random.next(separators.count)]
                }.joined()
            }
            let line = try JSONSerialization.data(withJSONObject: [
                "id": "m\(number)", "headline": words(4), "body": words(12), "publishedAt": Self.dates[random.next(Self.dates.count)],
            ])
            let story = try StoryInput.parse(line: String(decoding: line, as: UTF8.self)).story(receivedAt: Date(timeIntervalSince1970: 1_770_000_000))
            tagged.append(TaggedStory(story: story, entities: [], topics: [], taggedAt: story.receivedAt, tagger: "test"))
        }
        try await index.upsert(tagged)
        var queries: [String] = []
        for word in Self.vocabulary {
            queries.append("\"\(word)\"")
            queries.append("\"\(word.lowercased())\"")
            let folded = TextTokenizer.words(in: word)
            if let first = folded.first, first.count >= 3 { queries.append(String(first.prefix(2)) + "*") }
        }
        for _ in 0..<40 {
            let a = Self.vocabulary[random.next(Self.vocabulary.count)]
            let b = Self.vocabulary[random.next(Self.vocabulary.count)]
            queries += ["\"\(a) \(b)\"", "\"\(a)\" OR \"\(b)\"", "\"\(a)\" -\"\(b)\"", "headline:\"\(a)\""]
        }
        queries += [
            "published:[* TO 9999-12-31]", "published:[* TO 9999-12-30]", "published:[0001-01-01 TO *]", "published:9999-12-31",
            "published:[0001-01-01 TO 1970-01-01]", "published:[1970-01-02 TO 9999-12-31] \"Ελλάδα\"", "since:5000w",
        ]
        var disagreements: [String] = []
        for text in queries {
            guard let query = try? Query(text) else { continue }
            let expected = Set(tagged.filter { QueryMatcher.matches(query.root, MatchDocument($0)) }.map(\.story.id))
            let result = try await index.search(SearchRequest(query: text, limit: 1000))
            if Set(result.hits.map(\.id)) != expected || result.total != expected.count {
                disagreements.append("\(text): index \(result.total), matcher \(expected.count)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(20).joined(separator: "\n"))")
        // The dates at the end of the calendar are found by the open-ended range.
        let all = try await index.search(SearchRequest(query: "published:[* TO 9999-12-31]", limit: 1))
        #expect(all.total == 300)
    }

    @Test("a snippet is cut from the stored text, with its accents, around the folded match")
    func snippets() async throws {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("snip-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let index = try StoryIndex(path: directory.appendingPathComponent("index.sqlite").path)
        let story = Story(id: "g1", headline: "Εκλογές στην Ελλάδα", body: "Οι ψηφοφόροι στην Ελλάδα πήγαν στις κάλπες την Κυριακή.")
        try await index.upsert(TaggedStory(story: story, entities: [], topics: [], taggedAt: Date(), tagger: "test"))
        let hit = try #require(try await index.search(SearchRequest(query: "ελλαδα")).hits.first)
        #expect(hit.snippet.contains("[Ελλάδα]"), "\(hit.snippet)")
    }

    @Test("a search counts its matches per stretch of date in the same call: each story in its stretch, one at a stretch's first second in that one, none outside")
    func volumes() async throws {
        let fixture = try await IndexFixture()
        defer { fixture.remove() }
        // The fixture's stories are an hour apart from 1_770_000_000: s2 begins the first stretch, s1 is before it.
        let first = 1_770_000_000.0 + 3_600
        let hourly = VolumeRequest(start: Date(timeIntervalSince1970: first), seconds: 3_600, buckets: 6)
        let twoHourly = VolumeRequest(start: Date(timeIntervalSince1970: first - 1_800), seconds: 7_200, buckets: 2)
        // A plain word (one FTS5 match), a boolean query (SQL over matches) and every story.
        for query in ["tariffs OR tariff OR sanctions OR storm", "russia -shelling", "*"] {
            let result = try await fixture.index.search(SearchRequest(query: query, limit: 100, volumes: [hourly, twoHourly]))
            let volumes = try #require(result.volumes, "no volumes for \(query)")
            func expected(_ volume: VolumeRequest) -> [Int] {
                var counts = [Int](repeating: 0, count: volume.buckets)
                for hit in result.hits {
                    let offset = (hit.publishedAt ?? .distantPast).timeIntervalSince(volume.start)
                    let bucket = Int((offset / Double(volume.seconds)).rounded(.down))
                    if offset >= 0, bucket < volume.buckets { counts[bucket] += 1 }
                }
                return counts
            }
            #expect(volumes == [expected(hourly), expected(twoHourly)], "\(query): \(volumes)")
            #expect(volumes[0].reduce(0, +) == result.hits.filter { $0.id != "s1" }.count, "\(query): only s1 is before the stretches")
        }
        let every = try #require(try await fixture.index.search(SearchRequest(query: "*", limit: 1, volumes: [hourly])).volumes)
        #expect(every == [[1, 1, 1, 1, 1, 0]])
        #expect(try await fixture.index.search(SearchRequest(query: "*", limit: 1)).volumes == nil)

        for bad in [
            [VolumeRequest](repeating: hourly, count: 5), [VolumeRequest(start: Date(), seconds: 0, buckets: 3)],
            [VolumeRequest(start: Date(), seconds: 60, buckets: 1_001)],
            [VolumeRequest(start: Date(timeIntervalSince1970: 1e300), seconds: 60, buckets: 1)],
        ] {
            await #expect {
                try await fixture.index.search(SearchRequest(query: "*", volumes: bad))
            } throws: { error in
                (error as? ControlFailure)?.code == .badRequest
            }
        }
    }
}
