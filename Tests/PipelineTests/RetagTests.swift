import Foundation
import Testing

/// `newsctl retag`: stored stories through a restarted tag with new topics, into the index again.
@Suite("Retagging", .serialized, .timeLimit(.minutes(2)))
struct RetagTests {
    @Test("after tag restarts with a new topic, retag gives stored stories the new tags in the index")
    func retagWithNewTopics() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()
            let story = #"{"id": "retag-1", "headline": "Trawler fleet stays in port", "body": "Boats stayed in the harbour as fuel costs rose."}"#
            let file = try pipeline.write("story.jsonl", story + "\n")
            #expect(try await pipeline.newsctl("publish", [file.path]).status == 0)
            #expect(try await eventually { try await pipeline.counter("index", "indexed") >= 1 }, "\(pipeline.logs())")
            func hits(_ query: String) async throws -> String { try await pipeline.newsctl("search", ["--json", query]).stdout }
            #expect(try await !hits("topic:fisheries").contains("retag-1"))

            // A desk adds its own topic; tag restarts with it.
            let topics = try pipeline.write(
                "fisheries.json",
                #"{"version": "desk-1", "topics": [{"code": "desk:fisheries", "name": "fisheries", "label": "Fisheries", "parent": "medtop:04000000", "keywords": ["trawler"], "minWeight": 1}]}"#)
            let tag = try #require(pipeline.child("tag"))
            tag.signal(SIGTERM)
            #expect(await tag.waitForExit(timeout: .seconds(10)) == 0)
            try pipeline.start("tag", as: "tag-again", ["--topics", topics.path])
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0)

            let retag = try await pipeline.newsctl("retag")
            #expect(retag.status == 0, "\(retag.stderr)")
            #expect(retag.stdout.contains("sent 1 story through tag again"), "\(retag.stdout)")
            #expect(try await eventually { try await hits("topic:fisheries").contains("retag-1") }, "\(pipeline.logs())")
            #expect(try await pipeline.counter("index", "stories") == 1, "the story is replaced, not added")
            #expect(try await pipeline.counter("ingest", "resubmitted") == 1)
        }
    }
}
