import Foundation
import Testing

/// `ingest parse` as a real process, on feed documents in the wild's shapes.
@Suite("ingest parse", .timeLimit(.minutes(1)))
struct IngestParseTests {
    @Test("items without a title get a derived headline; items without text are skipped and named on stderr")
    func skippedAndDerived() async throws {
        try await PipelineHarness.with { pipeline in
            let file = try pipeline.write(
                "sparse.xml",
                """
                <?xml version="1.0"?><rss version="2.0"><channel><title>Sparse Wire</title>
                <item><guid>sp-1</guid><link>https://sparse.example/1</link></item>
                <item><description>Gales closed the Forth bridges to lorries on Sunday. Police advised drivers to wait.</description><guid>sp-2</guid></item>
                <item><title>Kept story</title><guid>sp-3</guid><pubDate>Sat, 07 Mar 2026 10:00:00 GMT</pubDate></item>
                </channel></rss>
                """)
            let parse = try pipeline.startProcess(name: "ingest-parse", executable: pipeline.executable("ingest"), arguments: ["parse", file.path])
            #expect(await parse.waitForExit(timeout: .seconds(30)) == 0, "\(parse.stderr)")
            #expect(parse.stderr.contains("rss, 2 stories, 1 items skipped"), "\(parse.stderr)")
            #expect(parse.stderr.contains("skipped item 1 (sp-1): no title and no text"), "\(parse.stderr)")
            #expect(parse.stderr.contains("item 2: no title; the headline is made from its text"), "\(parse.stderr)")
            let stories = parse.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(stories.count == 2)
            #expect(stories.first?["headline"] as? String == "Gales closed the Forth bridges to lorries on Sunday.")
            #expect(stories.first?["headlineDerived"] as? Bool == true)
            #expect(stories.last?["headlineDerived"] == nil)
        }
    }

    @Test("an OPML list is refused with its reason and exit status 1")
    func refusesOPML() async throws {
        try await PipelineHarness.with { pipeline in
            let file = try pipeline.write(
                "subscriptions.opml", #"<?xml version="1.0"?><opml version="2.0"><head/><body><outline xmlUrl="https://a.example/feed"/></body></opml>"#)
            let parse = try pipeline.startProcess(name: "ingest-parse", executable: pipeline.executable("ingest"), arguments: ["parse", file.path])
            #expect(await parse.waitForExit(timeout: .seconds(30)) == 1)
            #expect(parse.stderr.contains("an OPML subscription list, not a feed"), "\(parse.stderr)")
        }
    }

    @Test("many documents in one process: read in order, an unreadable one reported and the rest still read, exit status 1")
    func manyDocuments() async throws {
        try await PipelineHarness.with { pipeline in
            let first = try pipeline.write(
                "first.xml",
                #"<?xml version="1.0"?><rss version="2.0"><channel><title>First</title><item><title>One from the first</title><guid>f-1</guid></item></channel></rss>"#)
            let missing = pipeline.runDirectory.appendingPathComponent("missing.xml").path
            let opml = try pipeline.write("list.opml", #"<?xml version="1.0"?><opml version="2.0"><head/><body/></opml>"#)
            let last = try pipeline.write("last.jsonl", #"{"headline": "One from the last", "body": "Its body."}"# + "\n")
            let parse = try pipeline.startProcess(
                name: "ingest-parse", executable: pipeline.executable("ingest"), arguments: ["parse", first.path, missing, opml.path, last.path])
            #expect(await parse.waitForExit(timeout: .seconds(30)) == 1)
            let headlines = parse.stdout.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["headline"] as? String
            }
            #expect(headlines == ["One from the first", "One from the last"])
            #expect(parse.stderr.contains("missing.xml"), "\(parse.stderr)")
            #expect(parse.stderr.contains("an OPML subscription list, not a feed"), "\(parse.stderr)")
        }
    }
}
