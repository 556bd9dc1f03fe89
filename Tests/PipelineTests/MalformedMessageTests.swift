import Foundation
import Logging
import NewsModel
import Testing
import ZeroMQ

@Suite("Messages that do not decode", .serialized, .timeLimit(.minutes(2)))
struct MalformedMessageTests {
    @Test("are counted and skipped, and the stage keeps tagging")
    func malformedMessagesNeverStopAStage() async throws {
        try await PipelineHarness.with { pipeline in
            // A publisher owned by the test, which tag also listens to.
            let context = try ZMQContext()
            let rogueEndpoint = "ipc://\(pipeline.runDirectory.path)/rogue.pub"
            let rogue = try await Publisher.bind(context: context, endpoint: rogueEndpoint, logger: Logger(label: "test"))
            try pipeline.start("ingest")
            try pipeline.start(
                "tag", ["--input", "ipc://\(pipeline.runDirectory.path)/stories.pub", "--input", rogueEndpoint])
            try pipeline.start("index")
            try pipeline.start("notify")
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0)
            #expect(try await eventually { rogue.subscriberCount >= 1 })

            try rogue.send([Data("story.ingested".utf8), Data("{not json".utf8)])
            try rogue.send([Data("story.ingested".utf8), Data(#"{"v": 2, "kind": "story"}"#.utf8)])
            try rogue.send([Data("story.ingested".utf8)])
            #expect(try await eventually { try await pipeline.counter("tag", "decode_errors") >= 3 }, "\(pipeline.logs())")
            #expect(try await pipeline.counter("tag", "decode_errors.unsupportedVersion") == 1)
            #expect(try await pipeline.counter("tag", "decode_errors.malformed") == 1)
            #expect(try await pipeline.counter("tag", "decode_errors.badFrames") == 1)

            let file = try pipeline.write("one.jsonl", #"{"headline": "Gaza aid hub opens", "body": "Officials in Israel said aid would flow."}"# + "\n")
            #expect(try await pipeline.newsctl("publish", [file.path]).status == 0)
            #expect(try await eventually { try await pipeline.counter("index", "indexed") >= 1 })
            let search = try await pipeline.newsctl("search", ["place:Gaza"])
            #expect(search.stdout.contains("Gaza aid hub opens"))
            await rogue.close()
        }
    }
}
