import Foundation
import GRDB
import Logging
import NewsModel
import NewsTransport
import Testing
import ZeroMQ

@Suite("Messages that do not decode", .serialized, .timeLimit(.minutes(2)))
struct MalformedMessageTests {
    @Test("are counted, logged and acknowledged, and the stage keeps tagging")
    func malformedMessagesNeverStopAStage() async throws {
        try await PipelineHarness.with { pipeline in
            // A rogue "ingest-9" whose journal holds one good story and two entries that do not decode.
            let layout = PipelineLayout(runDirectory: pipeline.runDirectory.path)
            let path = pipeline.runDirectory.appendingPathComponent("rogue.sqlite").path
            let producer = MessageProducer(id: "ingest-9")
            let story = Story(id: "rogue-good", headline: "Gaza aid hub opens", body: "Officials in Israel said aid would flow.")
            _ = try await Journal(path: path, producer: producer).append(.story(story), topic: StreamTopic.storyIngested, originAt: Date())
            let database = try DatabaseQueue(path: path)
            try await database.write { db in
                try db.execute(sql: "INSERT INTO entry VALUES (2, 'story.ingested', ?, 0)", arguments: [Data("{not json".utf8)])
                try db.execute(sql: "INSERT INTO entry VALUES (3, 'story.ingested', ?, 0)", arguments: [Data(#"{"v": 2, "kind": "story"}"#.utf8)])
            }
            let journal = try Journal(path: path, producer: producer)
            let context = try ZMQContext()
            let feed = try await FeedServer.bind(
                context: context, endpoint: layout.feed("ingest-9"), journal: journal, producer: producer, logger: Logger(label: "rogue"))

            for stage in PipelineHarness.stages { try pipeline.start(stage) }
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0)
            #expect(try await eventually { try await pipeline.counter("tag", "decode_errors") >= 2 }, "\(pipeline.logs())")
            #expect(try await pipeline.counter("tag", "decode_errors.unsupportedVersion") == 1)
            #expect(try await pipeline.counter("tag", "decode_errors.malformed") == 1)
            #expect(try await eventually { try await pipeline.counter("index", "indexed") >= 1 })
            #expect(try await pipeline.newsctl("search", ["place:Gaza"]).stdout.contains("Gaza aid hub opens"))
            // Every rogue entry was acknowledged: nothing is left for the tag group.
            #expect(try await eventually { feed.groups.first { $0.group == "tag" }?.backlog == 0 })
            await feed.close()
        }
    }
}
