import Foundation
import IngestStage
import NewsModel
import Testing

/// The feed fixtures in `Fixtures/feeds`, each written for one case of feeds in the wild, read by
/// FeedReader and compared with what Python's feedparser read from the same files
/// (`expected.json`, from `bench/feedparser_expected.py`).
@Suite("Feeds read as feedparser reads them")
struct FeedParserAgreementTests {
    struct Expected: Decodable {
        struct Entry: Decodable {
            var id: String?
            var title: String?
            var hasText: Bool
            var date: String?
        }
        var entries: [Entry]
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/feeds")

    static func expected() throws -> [String: Expected] {
        try JSONDecoder().decode([String: Expected].self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
    }

    static var fixtures: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".xml") }.sorted()
    }

    func read(_ name: String) throws -> FeedDocument {
        try FeedReader.read(Data(contentsOf: Self.folder.appendingPathComponent(name)), source: "fixture")
    }

    @Test("every item feedparser reads with text has the same headline and date; items without text are skipped and named", arguments: fixtures)
    func agreement(fixture: String) throws {
        let expected = try #require(try Self.expected()[fixture], "expected.json has no entry for \(fixture): run bench/feedparser_expected.py")
        guard !expected.entries.isEmpty else { return }  // documents feedparser finds no entries in: see nearFeeds
        let document = try read(fixture)
        let withText = expected.entries.enumerated().filter { $0.element.hasText }
        #expect(document.items.count == withText.count)
        #expect(document.skipped.count == expected.entries.count - withText.count)
        for skipped in document.skipped {
            #expect(!expected.entries[skipped.position - 1].hasText)
            #expect(skipped.reason == "no title and no text")
        }
        for (item, (position, entry)) in zip(document.items, withText) {
            #expect(item.position == position + 1)
            if let title = entry.title {
                #expect(item.headline == title, "\(fixture) item \(position + 1)")
                #expect(!item.headlineDerived)
            } else {
                #expect(item.headlineDerived, "\(fixture) item \(position + 1) has no title: its headline is derived")
                #expect(!item.headline.isEmpty && item.headline.count <= 120)
                #expect(item.body.hasPrefix(item.headline.replacingOccurrences(of: "…", with: "")))
            }
            #expect(item.publishedAt == entry.date.flatMap(RFC3339.parse), "\(fixture) item \(position + 1)")
        }
    }

    @Test("a derived headline is the first sentence, or whole words up to 120 characters and an ellipsis")
    func derivedHeadlines() throws {
        let items = try read("rss-no-title.xml").items
        #expect(items[0].headline == "The ferry to Lamu Island resumed on Monday after a week of repairs.")
        #expect(items[1].headline.hasSuffix("…"))
        #expect(items[1].headline.count <= 120)
        #expect(items[1].headline.hasPrefix("Fishermen in Malindi say catches of tuna have doubled"))
        let story = items[0].input.story()
        #expect(story.headlineDerived == true)
        #expect(items[2].input.story().headlineDerived == nil)
    }

    @Test("base64 content is decoded; a CDATA section holding <!DOCTYPE is text; XHTML and html titles are text, unescaped once")
    func contentForms() throws {
        let base64 = try read("atom03-base64.xml").items
        #expect(base64[0].body == "Wind farms off the Dutch coast produced a record share of power in February.")
        #expect(base64[1].body == "Tide tables for the Severn estuary are now published a year ahead.")
        // The declaration inside the CDATA is HTML markup of the description: the feed is read, and the
        // text is the description's text.
        let cdata = try read("rss-cdata-doctype.xml").items
        #expect(cdata.count == 2)
        #expect(cdata[0].body == "Every page starts with and a head element.")
        let markup = try read("atom-title-markup.xml").items
        #expect(markup[0].body == "The vote was seven to four.")
        #expect(markup[2].headline == "AT&T and the <5G> race")
        #expect(markup[3].headline == "Fish &amp; chips: 5 < 6")
    }

    @Test("CDF is read; OPML, an HTML page and a sitemap are refused with a reason")
    func nearFeeds() throws {
        let cdf = try read("cdf.xml")
        #expect(cdf.format == .cdf)
        #expect(cdf.items.map(\.url) == ["https://cdf.example/one", "https://cdf.example/two"])
        #expect(cdf.items.first?.source == "Channel Gazette")
        #expect(throws: FeedParseError(message: "an OPML subscription list, not a feed: add each outline's xmlUrl as a feed instead")) {
            try read("opml.xml")
        }
        #expect(throws: FeedParseError(message: "an HTML page, not a feed: the page's <link rel=\"alternate\"> names its feed")) {
            try read("html-page.xml")
        }
        let sitemap = #"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://a.example/</loc></url></urlset>"#
        #expect(throws: FeedParseError.self) { try FeedReader.read(Data(sitemap.utf8)) }
    }
}
