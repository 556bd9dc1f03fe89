import Foundation
import Testing

/// `tag parse`: the tagger as a standalone program, run as a real process.
@Suite("tag parse", .timeLimit(.minutes(1)))
struct TagParseTests {
    @Test("input stories come out tagged with entities, offsets, topics and reasons; a bad line is reported")
    func tagsStories() async throws {
        try await PipelineHarness.with { pipeline in
            let file = try pipeline.write(
                "labelled.jsonl",
                [
                    #"{"id": "t1", "headline": "New tariffs on countries trading with Iran", "body": "The order targets importers of Iranian oil.", "labels": ["trade"]}"#,
                    #"{"headline": "missing body"}"#,
                    #"{"id": "t2", "headline": "Snow closes schools", "body": "A storm crossed the region overnight."}"#,
                ].joined(separator: "\n") + "\n")
            let parse = try pipeline.startProcess(
                name: "tag-parse", executable: pipeline.executable("tag"), arguments: ["parse", file.path])
            #expect(await parse.waitForExit(timeout: .seconds(30)) == 1, "a refused line makes the exit status 1")
            #expect(parse.stderr.contains("labelled.jsonl:2: refused: missing required field \"body\""), "\(parse.stderr)")
            let tagged = parse.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            #expect(tagged.count == 2)
            let first = try #require(tagged.first)
            #expect((first["story"] as? [String: Any])?["id"] as? String == "t1")
            let entities = first["entities"] as? [[String: Any]] ?? []
            let iran = try #require(entities.first { $0["name"] as? String == "Iran" }, "\(entities)")
            #expect(iran["type"] as? String == "place" && iran["id"] as? String == "iso3166:IR" && iran["reason"] != nil)
            let mention = try #require((iran["mentions"] as? [[String: Any]])?.first)
            #expect(mention["field"] as? String == "headline")
            #expect(mention["start"] as? Int == 38 && mention["end"] as? Int == 42)
            let topics = first["topics"] as? [[String: Any]] ?? []
            #expect(topics.contains { ($0["label"] as? String) == "Trade and tariffs" && ($0["reason"] as? String)?.contains("tariffs") == true }, "\(topics)")
        }
    }
}
