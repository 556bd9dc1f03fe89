import Foundation
import NewsModel
import NewsTransport
import Testing
import ZeroMQ

/// The repros of the adversarial probe: one request or one file each, sent to the real stages, which
/// must refuse it with a clear error and keep running.
@Suite("Hostile input never stops a stage", .serialized, .timeLimit(.minutes(3)))
struct HostileInputTests {
    /// Sends a raw control request body to `instance` and returns the decoded failure, if any.
    static func rawRequest(_ pipeline: PipelineHarness, _ instance: String, _ body: String) async throws -> ControlFailure? {
        let context = try ZMQContext()
        defer { context.shutdown() }
        let layout = PipelineLayout(runDirectory: pipeline.runDirectory.path)
        let reply = try await RequestClient(context: context, endpoint: layout.control(instance), timeout: .seconds(10))
            .request(Data(body.utf8))
        struct Envelope: Decodable {
            var ok: Bool
            var error: ControlFailure?
        }
        let envelope = try JSONDecoder().decode(Envelope.self, from: reply)
        return envelope.ok ? nil : envelope.error
    }

    static func stillRunning(_ pipeline: PipelineHarness, _ stages: [String]) async throws {
        for stage in stages {
            #expect(pipeline.child(stage)?.isRunning == true, "\(stage) died:\n\(pipeline.logs())")
            #expect(try await pipeline.newsctl("status", [stage, "--timeout", "5"]).status == 0, "\(stage) does not answer")
        }
    }

    @Test("a query nested ten thousand deep is refused by index and notify, which keep running")
    func deepQueries() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()
            let deep = String(repeating: "(", count: 10_000) + "iran" + String(repeating: ")", count: 10_000)
            let search = try await pipeline.newsctl("search", [deep])
            #expect(search.status != 0)
            #expect(search.stderr.contains("at most 4000 characters"), "\(search.stderr)")
            let nested = String(repeating: "(", count: 1_000) + "iran" + String(repeating: ")", count: 1_000)
            let subscribe = try await pipeline.newsctl("subscribe", [nested])
            #expect(subscribe.status != 0)
            #expect(subscribe.stderr.contains("at most 32 levels"), "\(subscribe.stderr)")
            // The same query sent raw, past newsctl.
            let body = #"{"v":1,"method":"search","params":{"query":"\#(nested)","limit":10,"offset":0,"sort":"relevance"}}"#
            let failure = try await Self.rawRequest(pipeline, "index-0", body)
            #expect(failure?.code == .badQuery)
            try await Self.stillRunning(pipeline, ["index", "notify"])
        }
    }

    @Test("numbers in a request are checked: firstLine at Int.max is refused and ingest keeps running")
    func overflowingNumbers() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()
            let story = #"{\"headline\": \"h\", \"body\": \"b\"}"#
            let overflow = try await Self.rawRequest(
                pipeline, "ingest-0",
                #"{"v":1,"method":"submit","params":{"source":"x","firstLine":9223372036854775807,"lines":["\#(story)","\#(story)"]}}"#)
            #expect(overflow?.code == .badRequest)
            #expect(overflow?.message.contains("firstLine must be") == true, "\(String(describing: overflow))")
            let offset = try await Self.rawRequest(
                pipeline, "index-0", #"{"v":1,"method":"search","params":{"query":"x","limit":10,"offset":-5,"sort":"relevance"}}"#)
            #expect(offset?.code == .badRequest)
            let interval = try await Self.rawRequest(
                pipeline, "ingest-0", #"{"v":1,"method":"feeds_add","params":{"url":"https://news.example/rss","intervalSeconds":9223372036854775807}}"#)
            #expect(interval?.code == .badRequest)
            let backfill = try await Self.rawRequest(
                pipeline, "notify-0", #"{"v":1,"method":"subscribe","params":{"query":"x","backfillSeconds":-9223372036854775808}}"#)
            #expect(backfill?.code == .badRequest)
            try await Self.stillRunning(pipeline, ["ingest", "index", "notify"])
        }
    }

    @Test("JSON Lines are read as JSON Lines whatever a story says, bad lines refused by number, huge lines refused as too large")
    func jsonLinesReadAsWhatTheyAre() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()
            let mentions = try pipeline.write(
                "mentions.jsonl",
                #"{"id": "jl-1", "headline": "Feed formats compared", "body": "The spec lives at https://jsonfeed.org/version/1.1 for anyone curious."}"#
                    + "\n" + #"{"id": "jl-2", "headline": "A second story", "body": "Nothing special."}"# + "\n")
            let first = try await pipeline.newsctl("publish", [mentions.path])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("published 2 stories"), "\(first.stdout)\(first.stderr)")

            for (name, bad) in [("junk.jsonl", "junk"), ("array.jsonl", "[1, 2, 3]")] {
                let file = try pipeline.write(
                    name, bad + "\n" + #"{"id": "jl-\#(name)", "headline": "Harbour reopens", "body": "Ships returned to the harbour named in \#(name)."}"# + "\n")
                let result = try await pipeline.newsctl("publish", [file.path])
                #expect(result.status == 1, "\(name): a refused line makes publish exit 1")
                #expect(result.stderr.contains("\(name):1: refused:"), "\(name): \(result.stderr)")
                #expect(result.stdout.contains("published 1 story"), "\(name): \(result.stdout)")
            }

            // 50 MB on one line, between two good ones.
            let path = pipeline.runDirectory.appendingPathComponent("huge.jsonl")
            var data = Data(#"{"id": "jl-before", "headline": "Before the big one", "body": "A short story."}"#.utf8 + [0x0A])
            data.append(Data(#"{"headline": "Big", "body": ""#.utf8))
            data.append(Data(repeating: UInt8(ascii: "a"), count: 50 << 20))
            data.append(Data(#""}"#.utf8 + [0x0A]))
            data.append(Data(#"{"id": "jl-after", "headline": "After the big one", "body": "Another short story."}"#.utf8 + [0x0A]))
            try data.write(to: path)
            let huge = try await pipeline.newsctl("publish", [path.path], timeout: .seconds(60))
            #expect(huge.status == 1)
            #expect(huge.stderr.contains("huge.jsonl:2: refused: the line is 52,428,"), "\(huge.stderr)")
            #expect(huge.stderr.contains("more than the 2,097,152 a story may have"), "\(huge.stderr)")
            #expect(huge.stdout.contains("published 2 stories"), "\(huge.stdout)")

            // A line just over the limit sent raw is refused by ingest itself, by its number.
            let long = String(repeating: "b", count: StoryLimits.lineBytes)
            let raw = try await Self.rawRequest(
                pipeline, "ingest-0",
                #"{"v":1,"method":"submit","params":{"source":"raw","firstLine":7,"lines":["{\"headline\": \"x\", \"body\": \"\#(long)\"}"]}}"#)
            #expect(raw == nil)
            try await Self.stillRunning(pipeline, ["ingest"])
            #expect(try await eventually { try await pipeline.counter("index", "indexed") >= 6 }, "\(pipeline.logs())")
        }
    }
}

@Suite("Hostile documents in watched directories", .serialized, .timeLimit(.minutes(2)))
struct HostileDirectoryTests {
    @Test("a feed nested forty thousand deep in a watched directory is refused once, with its reason, and ingest keeps going")
    func deepFeedInWatchedDirectory() async throws {
        try await PipelineHarness.with { pipeline in
            let inbox = pipeline.runDirectory.appendingPathComponent("inbox")
            try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
            let depth = 40_000
            let deep = "<rss version=\"2.0\"><channel>" + String(repeating: "<x>", count: depth) + String(repeating: "</x>", count: depth)
                + "</channel></rss>"
            try deep.write(to: inbox.appendingPathComponent("deep.xml"), atomically: true, encoding: .utf8)
            try pipeline.start("ingest", ["--watch", inbox.path])
            for stage in ["tag", "index", "notify"] { try pipeline.start(stage) }
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0)
            #expect(try await eventually { pipeline.child("ingest")?.stderr.contains("nested more than 256 deep") == true }, "\(pipeline.logs())")
            let good = #"{"id": "after-deep", "headline": "Harbour reopens after storm", "body": "Ships returned."}"#
            try (good + "\n").write(to: inbox.appendingPathComponent("good.jsonl"), atomically: true, encoding: .utf8)
            #expect(try await eventually { try await pipeline.counter("index", "indexed") >= 1 }, "\(pipeline.logs())")
            #expect(pipeline.child("ingest")?.isRunning == true)
            // Restarted, ingest does not read the failed file again.
            pipeline.child("ingest")?.signal(SIGTERM)
            _ = await pipeline.child("ingest")?.waitForExit(timeout: .seconds(10))
            try pipeline.start("ingest", as: "ingest-again", ["--watch", inbox.path])
            #expect(try await eventually { try await pipeline.newsctl("status", ["ingest"]).status == 0 })
            try await Task.sleep(for: .seconds(3))
            #expect(pipeline.child("ingest-again")?.stderr.contains("nested more than") == false, "read again after restart")
        }
    }
}

@Suite("One slow request never blocks the rest", .serialized, .timeLimit(.minutes(3)))
struct ConcurrentControlTests {
    @Test("status answers within a second, twenty at a time, while a heavy search, a backfill and a large submit run")
    func statusStaysFast() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()
            let lines = (0..<2_000).map { index in
                #"{"id": "slow-\#(index)", "headline": "Harbour story \#(index) abc\#(index % 97)", "body": "Ships returned to harbour \#(index) after the storm; dockers and pilots went back to work."}"#
            }
            let file = try pipeline.write("slow.jsonl", lines.joined(separator: "\n") + "\n")
            #expect(try await pipeline.newsctl("publish", [file.path], timeout: .seconds(60)).status == 0)
            #expect(try await eventually(timeout: .seconds(60)) { try await pipeline.counter("index", "indexed") >= 2_000 })

            let layout = PipelineLayout(runDirectory: pipeline.runDirectory.path)
            let context = try ZMQContext()
            defer { context.shutdown() }
            func call(_ instance: String, _ body: String, timeout: Duration = .seconds(120)) async throws -> Data {
                try await RequestClient(context: context, endpoint: layout.control(instance), timeout: timeout).request(Data(body.utf8))
            }
            let letters = Array("abcdefghijklmnopqrstuvwxyz")
            let prefixes = (0..<250).map { "\(letters[$0 % 26])\(letters[($0 / 26) % 26])*" }.joined(separator: " OR ")
            let heavySearch = #"{"v":1,"method":"search","params":{"query":"\#(prefixes)","limit":1000,"offset":0,"sort":"date"}}"#
            let backfill = #"{"v":1,"method":"backfill","params":{"query":"\#(prefixes)","since":"1970-01-01T00:00:00Z","limit":1000}}"#
            let story = #"{\"headline\": \"Bulk story\", \"body\": \"Bulk body number\"}"#
            let bulk = (0..<10_000).map { _ in "\"\(story)\"" }.joined(separator: ",")
            let submit = #"{"v":1,"method":"submit","params":{"source":"bulk","firstLine":1,"lines":[\#(bulk)]}}"#

            async let searching = call("index-0", heavySearch)
            async let backfilling = call("index-0", backfill)
            async let submitting = call("ingest-0", submit)
            try await Task.sleep(for: .milliseconds(100))
            let clock = ContinuousClock()
            let slowest = try await withThrowingTaskGroup(of: Duration.self) { group in
                for round in 0..<20 {
                    for instance in ["index-0", "ingest-0"] {
                        group.addTask {
                            let start = clock.now
                            let reply = try await call(instance, #"{"v":1,"method":"status"}"#, timeout: .seconds(5))
                            #expect(String(decoding: reply, as: UTF8.self).contains("\"ok\":true"), "round \(round)")
                            return clock.now - start
                        }
                    }
                }
                return try await group.reduce(Duration.zero) { max($0, $1) }
            }
            #expect(slowest < .seconds(1), "the slowest status took \(slowest)")
            _ = try await (searching, backfilling, submitting)
        }
    }
}

@Suite("Storage pulled away", .serialized, .timeLimit(.minutes(2)))
struct StoragePulledAwayTests {
    @Test("deleting a running ingest's journal stops its input with a clear error instead of writing to a lost file")
    func deletedJournalIsNoticed() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()
            let first = try pipeline.write("first.jsonl", #"{"id": "kept-1", "headline": "Harbour reopens", "body": "Ships returned."}"# + "\n")
            #expect(try await pipeline.newsctl("publish", [first.path]).status == 0)
            let data = pipeline.runDirectory.appendingPathComponent("data")
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(at: data.appendingPathComponent("journal-ingest-0.sqlite\(suffix)"))
            }
            let second = try pipeline.write("second.jsonl", #"{"id": "lost-1", "headline": "Storm closes schools", "body": "Snow fell."}"# + "\n")
            let refused = try await pipeline.newsctl("publish", [second.path])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("was removed or replaced while the stage ran"), "\(refused.stderr)")
            // status says why, and exits non-zero for the stage.
            let status = try await pipeline.newsctl("status", ["ingest"])
            #expect(status.stdout.contains("PROBLEM: the journal"), "\(status.stdout)")
            #expect(status.status != 0)
            #expect(pipeline.child("ingest")?.stderr.contains("was removed or replaced") == true)
            #expect(pipeline.child("ingest")?.isRunning == true)
        }
    }
}
