import Foundation
import IngestStage
import NewsModel
import Testing

/// Feed documents written for these tests, one per format and edge case.
@Suite("Feed formats and normalisation")
struct FeedFormatTests {
    func read(_ text: String) throws -> (InputFormat, [FeedItem]) {
        let document = try FeedReader.read(Data(text.utf8), source: "fallback")
        return (document.format, document.items)
    }

    @Test("RSS 2.0: CDATA, entities, xml:base, relative links, tracking parameters and a zone-named date")
    func rss2() throws {
        let (format, items) = try read(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
              <channel>
                <title>Harbour &amp; Coast Wire</title>
                <link>https://wire.example/news/</link>
                <language>en</language>
                <item>
                  <title>Port concessions voided &mdash; court rules</title>
                  <link>/ports/voided?utm_source=rss&amp;id=7#comments</link>
                  <guid isPermaLink="false">wire-7781</guid>
                  <pubDate>Tue, 03 Feb 2026 10:20:00 EST</pubDate>
                  <description><![CDATA[<p>The court struck down the <b>concessions</b>.</p><script>track()</script><p>Shipping&nbsp;lines reacted.</p>]]></description>
                </item>
                <item>
                  <title>No date here</title>
                  <description>Plain text body.</description>
                </item>
              </channel>
            </rss>
            """)
        #expect(format == .rss)
        #expect(items.count == 2)
        let first = try #require(items.first)
        #expect(first.headline == "Port concessions voided — court rules")
        #expect(first.body == "The court struck down the concessions.\n\nShipping lines reacted.")
        #expect(first.url == "https://wire.example/ports/voided?id=7")
        #expect(first.guid == "wire-7781")
        #expect(first.source == "Harbour & Coast Wire")
        #expect(first.language == "en")
        #expect(first.publishedAt == Date(timeIntervalSince1970: 1_770_132_000))
        #expect(items[1].publishedAt == nil)
        #expect(first.input.story().id == "wire-7781")
    }

    @Test("RSS 1.0 (RDF) with Dublin Core dates")
    func rss1() throws {
        let (format, items) = try read(
            """
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
              <channel rdf:about="https://rdf.example/"><title>RDF Desk</title><link>https://rdf.example/</link></channel>
              <item rdf:about="https://rdf.example/a1">
                <title>Belgorod shelling damages homes</title>
                <link>https://rdf.example/a1</link>
                <description>Power lines were cut.</description>
                <dc:date>2026-02-04T06:50:00Z</dc:date>
              </item>
            </rdf:RDF>
            """)
        #expect(format == .rdf)
        #expect(items.map(\.headline) == ["Belgorod shelling damages homes"])
        #expect(items[0].source == "RDF Desk")
        #expect(items[0].publishedAt == RFC3339.parse("2026-02-04T06:50:00Z"))
    }

    @Test("Atom 1.0: xhtml content, entry xml:base and the alternate link")
    func atom10() throws {
        let (format, items) = try read(
            """
            <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
              <title type="text">Atom Desk</title>
              <link rel="alternate" href="https://atom.example/"/>
              <entry xml:base="https://atom.example/world/">
                <title>Sanctions may widen</title>
                <id>tag:atom.example,2026:1</id>
                <link rel="self" href="https://atom.example/api/1"/>
                <link rel="alternate" href="sanctions.html"/>
                <published>2026-02-05T19:00:00+01:00</published>
                <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Talks continue.</p></div></content>
              </entry>
            </feed>
            """)
        #expect(format == .atom)
        let entry = try #require(items.first)
        #expect(entry.url == "https://atom.example/world/sanctions.html")
        #expect(entry.body.contains("Talks continue."))
        #expect(entry.guid == "tag:atom.example,2026:1")
        #expect(entry.language == "en")
        #expect(entry.publishedAt == RFC3339.parse("2026-02-05T18:00:00Z"))
    }

    @Test("Atom 0.3: issued dates and summaries")
    func atom03() throws {
        let (_, items) = try read(
            """
            <feed version="0.3" xmlns="http://purl.org/atom/ns#">
              <title>Old Atom</title>
              <entry><title>Storm closes schools</title><link rel="alternate" href="https://old.example/s"/>
                <id>old-1</id><issued>2026-02-12T05:00:00Z</issued><summary>Snow fell.</summary></entry>
            </feed>
            """)
        #expect(items.count == 1)
        #expect(items[0].body == "Snow fell.")
        #expect(items[0].publishedAt == RFC3339.parse("2026-02-12T05:00:00Z"))
    }

    @Test("JSON Feed 1.1")
    func jsonFeed() throws {
        let (format, items) = try read(
            """
            {"version": "https://jsonfeed.org/version/1.1", "title": "JSON Desk", "home_page_url": "https://json.example/",
             "items": [{"id": "j1", "url": "/a?utm_medium=x", "title": "Aid reaches Gaza", "content_html": "<p>Trucks &amp; convoys.</p>",
                        "date_published": "2026-01-20T12:00:00Z"}]}
            """)
        #expect(format == .jsonFeed)
        #expect(items[0].url == "https://json.example/a")
        #expect(items[0].body == "Trucks & convoys.")
        #expect(items[0].source == "JSON Desk")
    }

    @Test("a story file and a digest of headlines")
    func textFiles() throws {
        let (storyFormat, story) = try read("Judge halts plan\n\nA federal judge ruled on Monday.\nThe case goes on.\n")
        #expect(storyFormat == .plainStory)
        #expect(story.map(\.headline) == ["Judge halts plan"])
        #expect(story[0].body == "A federal judge ruled on Monday. The case goes on.")
        let (digestFormat, digest) = try read(
            "Officials said the centre will open soon. It will route aid.\n\nFirst headline here\nSecond headline here\nThird headline here\n")
        #expect(digestFormat == .digest)
        #expect(digest.map(\.headline) == [
            "Officials said the centre will open soon", "First headline here", "Second headline here", "Third headline here",
        ])
    }

    @Test("a wrong declared encoding is survived both ways")
    func wrongEncodings() throws {
        // Declared Latin-1, really UTF-8.
        let utf8 = try FeedReader.read(Data(#"<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><item><title>Türkiye talks</title></item></channel></rss>"#.utf8))
        #expect(utf8.items.first?.headline == "Türkiye talks")
        // Declared UTF-8, really Latin-1.
        var latin1 = Data(#"<?xml version="1.0" encoding="UTF-8"?><rss><channel><item><title>S"#.utf8)
        latin1.append(0xE3)  // ã in Latin-1
        latin1.append(contentsOf: Array("o Paulo</title></item></channel></rss>".utf8))
        let decoded = try FeedReader.read(latin1)
        #expect(decoded.items.first?.headline == "São Paulo")
    }

    @Test("invalid UTF-8 that crashes XMLParser is decoded first, and the stage survives", arguments: [
        [UInt8]([0x3C, 0x69, 0xF4, 0x65, 0x6D, 0x2F, 0x3E]),
        [UInt8]([0x3C, 0x72, 0x73, 0x73, 0x3E, 0xFF, 0xFE, 0xC0, 0x80, 0x3C, 0x2F, 0x72, 0x73, 0x73, 0x3E]),
    ])
    func invalidUTF8(bytes: [UInt8]) {
        _ = try? FeedReader.read(Data(bytes))
    }

    @Test("external entities are never resolved and entity expansion never happens")
    func noXXE() throws {
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("xxe-\(UUID().uuidString)")
        try "TOP SECRET".write(to: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: secret) }
        let xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://\(secret.path)"> <!ENTITY a "aaaaaaaaaa"> <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
            <rss><channel><item><title>Entity &xxe; and &b;</title><description>x</description></item></channel></rss>
            """
        let items = try FeedReader.read(Data(xxe.utf8)).items
        let headline = try #require(items.first?.headline)
        #expect(!headline.contains("TOP SECRET"))
        #expect(!headline.contains("aaaaaaaaaa"))
    }

    @Test("dates in the forms feeds use", arguments: [
        ("Tue, 03 Feb 2026 15:20:00 GMT", "2026-02-03T15:20:00Z"),
        ("03 Feb 2026 10:20 EST", "2026-02-03T15:20:00Z"),
        ("Tue, 3 Feb 2026 16:20:00 +0100", "2026-02-03T15:20:00Z"),
        ("Tue, 03 Feb 26 07:20:00 PST", "2026-02-03T15:20:00Z"),
        ("2026-02-03T15:20:00Z", "2026-02-03T15:20:00Z"),
        ("2026-02-03T16:20:00.000+01:00", "2026-02-03T15:20:00Z"),
    ])
    func dates(text: String, expected: String) {
        #expect(FeedDate.parse(text) == RFC3339.parse(expected))
    }

    @Test("unparseable dates give nil", arguments: ["yesterday", "31 Feb 2026 10:00 GMT", "Tue, 03 Foo 2026 10:00:00 GMT", ""])
    func badDates(text: String) {
        #expect(FeedDate.parse(text) == nil)
    }

    @Test("canonical URLs drop fragments and tracking parameters and resolve relative links")
    func canonicalURLs() {
        #expect(CanonicalURL.make("https://News.Example:443/a?utm_source=x&b=2&fbclid=1#top") == "https://news.example/a?b=2")
        #expect(CanonicalURL.make("../b.html", base: "https://x.example/world/a/") == "https://x.example/world/b.html")
        #expect(CanonicalURL.make("mailto:someone@example.com") == nil)
    }

    @Test("HTML becomes plain text without scripts, styles or comments")
    func plainText() {
        let html = "<style>p{}</style><h1>Title</h1><!-- hidden --><p>One&#8217;s &quot;quote&quot;</p><script>x()</script><p>Two</p>"
        #expect(PlainText.from(html: html) == "Title\n\nOne’s \"quote\"\n\nTwo")
    }

    @Test("white space folds, paragraphs survive, entities decode, and the text is NFC", arguments: [
        ("  a \t b\u{A0}c  ", "a b c"),
        ("line one\r\nline two", "line one line two"),
        ("first\n \n\n  second\n", "first\n\nsecond"),
        ("<P>Upper<BR/>case</P><DIV>next</DIV>", "Upper case\n\nnext"),
        ("caf&eacute; &amp; cr&#xE8;me &unknown; 5 &lt; 6", "café & crème &unknown; 5 < 6"),
        ("e\u{301}t\u{E9}", "\u{E9}t\u{E9}"),
        ("a < b and c > d", "a < b and c > d"),
        ("<script src=x/>kept<script>dropped</script> tail", "kept tail"),
        ("before<!-- never closed <p>x</p>", "before"),
        ("<b>bold</b>&nbsp;text", "bold text"),
    ])
    func plainTextCases(html: String, expected: String) {
        #expect(PlainText.from(html: html) == expected)
    }
}

@Suite("Malformed documents")
struct MalformedDocumentTests {
    @Test("a truncated or broken feed is an error that says where", arguments: [
        "<rss><channel><item><title>Unclosed", "<rss><channel><item></channel></rss>", "<rss>&#xD800;</rss>",
    ])
    func broken(text: String) {
        #expect {
            _ = try FeedReader.read(Data(text.utf8))
        } throws: { error in
            (error as? FeedParseError)?.message.contains("not well-formed XML") == true
        }
    }
}
