import Foundation
import GRDB
import Logging
import NewsModel
import NewsTransport
import Testing
import ZeroMQ

/// The four real executables on ipc sockets, driven by the real `newsctl`.
@Suite("The pipeline end to end", .serialized, .timeLimit(.minutes(3)))
struct PipelineEndToEndTests {
    static let matching = #"{"id": "e2e-iran", "headline": "New tariffs threatened on countries trading with Iran", "body": "The order targets importers of Iranian oil.", "source": "Test Wire", "publishedAt": "2026-02-02T15:30:00Z", "language": "en"}"#
    static let other = #"{"id": "e2e-storm", "headline": "Winter storm closes schools", "body": "Snow fell across the region overnight.", "source": "Weather Desk"}"#
    static let broken = #"{"headline": "No body here"}"#
    /// A longer story about Iran and tariffs, and another outlet's lightly edited copy of it.
    static let clusterBody =
        "Officials in Washington said new tariffs would fall on any country that keeps buying Iranian oil, and that customs "
        + "officers had been told to prepare lists of affected importers. Shipping firms said they expected delays at several "
        + "ports while the rules were written, and traders warned that prices could rise before the measures take effect"
    static let clusterFirst = #"{"id": "e2e-cluster-1", "headline": "Tariffs planned on buyers of oil from Iran", "body": ""# + clusterBody + #" next month.", "source": "Test Wire"}"#
    static let clusterCopy = #"{"id": "e2e-cluster-2", "headline": "Tariffs planned on buyers of oil from Iran", "body": ""# + clusterBody + #" in the coming weeks.", "source": "Other Outlet"}"#

    @Test("published stories become searchable with their tags, and only the matching one alerts")
    func storiesFlowAndAlert() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()

            let iranSubscription = try await pipeline.newsctl("subscribe", ["place:Iran AND tariffs"])
            #expect(iranSubscription.status == 0, "\(iranSubscription.stderr)")
            let iranID = iranSubscription.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(iranID.hasPrefix("sub_"))
            let stormSubscription = try await pipeline.newsctl("subscribe", ["storm"])
            let stormID = stormSubscription.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            let follower = try pipeline.startNewsctl("alerts", ["--follow", "--json", iranID], name: "follower")
            #expect(try await eventually { follower.stderr.contains("following") }, "the follower never joined")
            // A program following the live alert stream by the subscription's topic prefix.
            let context = try ZMQContext()
            let live = try await Subscriber.connect(
                context: context, endpoints: ["ipc://\(pipeline.runDirectory.path)/notify-0.pub"],
                topics: [StreamTopic.alert(subscriptionID: iranID)], logger: Logger(label: "test"))
            defer { live.close() }
            #expect(try await eventually {
                (try await pipeline.statuses("notify").first?["subscribers"] as? Int ?? 0) >= 1
            })

            let file = try pipeline.write("stories.jsonl", [Self.matching, Self.broken, "", Self.other].joined(separator: "\n") + "\n")
            let publish = try await pipeline.newsctl("publish", [file.path])
            #expect(publish.status == 1, "a refused line makes publish exit 1")
            #expect(publish.stderr.contains("stories.jsonl:2: refused: missing required field \"body\""), "\(publish.stderr)")
            #expect(publish.stdout.contains("published 2 stories"), "\(publish.stdout)")

            // Both good stories are searchable, with their tags.
            #expect(try await eventually { try await pipeline.counter("index", "indexed") >= 2 }, "\(pipeline.logs())")
            let search = try await pipeline.newsctl("search", ["--json", "tariffs AND place:Iran"])
            #expect(search.status == 0, "\(search.stderr)")
            let result = try #require(try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) as? [String: Any])
            #expect(result["total"] as? Int == 1)
            let hits = result["hits"] as? [[String: Any]] ?? []
            #expect(hits.count == 1)
            let hit = try #require(hits.first)
            #expect(hit["id"] as? String == "e2e-iran")
            #expect((hit["entities"] as? [String: [String]])?["place"] == ["Iran"])
            #expect((hit["topics"] as? [String])?.contains("International trade") == true)
            let storm = try await pipeline.newsctl("search", ["--json", "storm"])
            #expect(storm.stdout.contains("e2e-storm"))

            // The matching story alerts its subscriber once, with the reason; the other story does not.
            #expect(try await eventually { follower.stdout.contains("e2e-iran") }, "no alert arrived: \(pipeline.logs())")
            #expect(try await eventually { try await pipeline.counter("notify", "received") >= 2 })
            let alerts = follower.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            #expect(alerts.count == 1, "\(follower.stdout)")
            let alert = try #require(alerts.first)
            #expect(alert["subscriptionID"] as? String == iranID)
            #expect((alert["story"] as? [String: Any])?["id"] as? String == "e2e-iran")
            #expect(alert["matched"] as? [String] == ["place:Iran", "tariffs"])
            #expect(alert["terms"] as? [String] == ["tariffs"])
            let why = try #require((alert["tags"] as? [[String: Any]])?.first, "the alert explains its filter")
            #expect(why["clause"] as? String == "place:Iran" && why["id"] as? String == "iso3166:IR")
            #expect((why["reason"] as? String)?.hasPrefix("gazetteer:") == true, "\(why)")
            #expect(!follower.stdout.contains("e2e-storm"), "the storm story alerted the Iran subscriber")
            var liveMessages = live.messages.makeAsyncIterator()
            let liveAlert = try #require(await liveMessages.next())
            let decoded = try WireCodec().decode(liveAlert)
            #expect(decoded.topic == "alert.\(iranID)")
            guard case .alert(let streamed) = decoded.envelope.payload else {
                Issue.record("the live stream carried \(decoded.envelope.kind)")
                return
            }
            #expect(streamed.story.id == "e2e-iran")
            #expect(!follower.stdout.contains(stormID))

            // Publishing the same stories again: ingest skips them as exact duplicates.
            let again = try await pipeline.newsctl("publish", [file.path])
            #expect(again.stdout.contains("published 0 stories, skipped 2 already published"), "\(again.stdout)")
            #expect(try await pipeline.counter("ingest", "duplicates") == 2)
            #expect(try await pipeline.counter("index", "stories") == 2)
            let stored = try await pipeline.newsctl("alerts", ["--json"])
            #expect(stored.stdout.split(separator: "\n").count == 2, "one alert per subscription: \(stored.stdout)")

            // A story and another outlet's edited copy: both are indexed, linked as one cluster, and the
            // subscriber gets one alert for the two.
            let cluster = try pipeline.write("cluster.jsonl", Self.clusterFirst + "\n" + Self.clusterCopy + "\n")
            let published = try await pipeline.newsctl("publish", [cluster.path])
            #expect(published.stdout.contains("published 2 stories"), "\(published.stdout) \(published.stderr)")
            #expect(try await eventually { try await pipeline.counter("index", "stories") == 4 }, "\(pipeline.logs())")
            #expect(try await eventually { try await pipeline.counter("notify", "received") >= 4 })
            #expect(try await pipeline.counter("ingest", "near_duplicates") == 1)
            #expect(try await eventually { follower.stdout.contains("e2e-cluster-1") }, "the first of the cluster alerts")
            try await Task.sleep(for: .milliseconds(500))
            #expect(!follower.stdout.contains("e2e-cluster-2"), "the copy alerted again: \(follower.stdout)")
            let afterCluster = try await pipeline.newsctl("alerts", ["--json", iranID])
            #expect(afterCluster.stdout.split(separator: "\n").count == 2, "\(afterCluster.stdout)")
        }
    }

    @Test("ingest reads --input files before the other stages start, and newsctl publish reads stdin")
    func filesAndStdin() async throws {
        try await PipelineHarness.with { pipeline in
            let file = try pipeline.write("start.jsonl", [Self.matching, "{oops", Self.other].joined(separator: "\n") + "\n")
            // ingest journals its file before any other stage exists; they start late and miss nothing.
            try pipeline.start("ingest", ["--input", file.path])
            #expect(try await eventually { try await pipeline.counter("ingest", "accepted") >= 2 })
            try pipeline.start("tag")
            try pipeline.start("index")
            try pipeline.start("notify")
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0)
            #expect(try await eventually { try await pipeline.counter("index", "indexed") >= 2 }, "\(pipeline.logs())")
            let ingestLog = try #require(pipeline.child("ingest")).stderr
            #expect(ingestLog.contains("start.jsonl:2: refused: not valid JSON"), "\(ingestLog)")

            let stdin = try pipeline.write(
                "stdin.jsonl", #"{"id": "from-stdin", "headline": "Ceasefire talks resume", "body": "Negotiators met in Cairo."}"# + "\n")
            let publish = try await pipeline.newsctl("publish", ["-"], standardInput: stdin)
            #expect(publish.status == 0, "\(publish.stderr)")
            #expect(try await eventually { try await pipeline.counter("index", "indexed") >= 3 })
            let search = try await pipeline.newsctl("search", ["--json", "place:Cairo"])
            #expect(search.stdout.contains("from-stdin"))
        }
    }

    @Test("newsctl publish and ingest --input take feeds and digests, detected from the content")
    func feedsAndDigests() async throws {
        try await PipelineHarness.with { pipeline in
            let digest = try pipeline.write(
                "digest.txt", "The coordination centre opens next week in Israel.\n\nHeadline about Gaza aid\nHeadline about Iran tariffs\nHeadline about Haiti\n")
            try pipeline.start("ingest", ["--input", digest.path])
            for stage in ["tag", "index", "notify"] { try pipeline.start(stage) }
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0)
            let feed = try pipeline.write(
                "wire.xml",
                """
                <rss version="2.0"><channel><title>Test Wire</title><link>https://wire.example/</link>
                <item><title>Convoys reach Gaza</title><link>/gaza?utm_source=rss</link><guid>w-1</guid>
                <description><![CDATA[<p>Aid trucks crossed.</p>]]></description><pubDate>Tue, 03 Feb 2026 10:20:00 GMT</pubDate></item>
                </channel></rss>
                """)
            let publish = try await pipeline.newsctl("publish", [feed.path])
            #expect(publish.status == 0, "\(publish.stderr)")
            #expect(publish.stdout.contains("published 1 story"))
            #expect(try await eventually { try await pipeline.counter("index", "indexed") >= 5 }, "\(pipeline.logs())")
            let search = try await pipeline.newsctl("search", ["--json", "convoys"])
            #expect(search.stdout.contains("\"id\":\"w-1\""))
            #expect(search.stdout.contains("https://wire.example/gaza"))
            #expect(!search.stdout.contains("utm_source"))
            #expect(try await pipeline.newsctl("search", ["--json", "\"headline about haiti\""]).stdout.contains("Haiti"))
            let broken = try pipeline.write("broken.xml", "<rss><channel><item><title>Unclosed")
            let refused = try await pipeline.newsctl("publish", [broken.path])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("broken: not well-formed XML"), "\(refused.stderr)")
        }
    }

    @Test("ingest --watch reads new files in a directory once, across restarts")
    func watchedDirectory() async throws {
        try await PipelineHarness.with { pipeline in
            let inbox = pipeline.runDirectory.appendingPathComponent("inbox")
            try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
            try Self.matching.write(to: inbox.appendingPathComponent("first.jsonl"), atomically: true, encoding: .utf8)
            try pipeline.start("ingest", ["--watch", inbox.path])
            for stage in ["tag", "index", "notify"] { try pipeline.start(stage) }
            #expect(try await eventually { try await pipeline.counter("index", "indexed") >= 1 }, "\(pipeline.logs())")

            // A file that appears while ingest runs is picked up; one still being written (.part) is not.
            try Self.other.write(to: inbox.appendingPathComponent("second.jsonl.part"), atomically: true, encoding: .utf8)
            try FileManager.default.moveItem(
                at: inbox.appendingPathComponent("second.jsonl.part"), to: inbox.appendingPathComponent("second.jsonl"))
            #expect(try await eventually { try await pipeline.counter("index", "indexed") >= 2 })

            // After a restart, processed files are not read again.
            let ingest = try #require(pipeline.child("ingest"))
            ingest.signal(SIGTERM)
            _ = await ingest.waitForExit(timeout: .seconds(5))
            try pipeline.start("ingest", as: "ingest-again", ["--watch", inbox.path])
            #expect(try await eventually { try await pipeline.statuses("ingest").count == 1 })
            try await Task.sleep(for: .seconds(3))
            #expect(try await pipeline.counter("ingest", "accepted") == 0)
        }
    }

    @Test("a watched file cut short by SIGTERM is not marked processed: the restart reads the rest, and every story is journaled once")
    func watchedFileCutShort() async throws {
        try await PipelineHarness.with { pipeline in
            let inbox = pipeline.runDirectory.appendingPathComponent("inbox")
            try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
            let count = 10_000
            var lines = ""
            lines.reserveCapacity(count * 120)
            for number in 0..<count {
                lines += #"{"id": "cut-\#(number)", "headline": "Harbour notice \#(number)", "body": "Notice \#(number) for berth \#(number % 97) and pier \#(number % 89)."}"# + "\n"
            }
            try lines.write(to: inbox.appendingPathComponent("notices.jsonl"), atomically: true, encoding: .utf8)
            let first = try pipeline.start("ingest", ["--watch", inbox.path])
            #expect(try await eventually(timeout: .seconds(60)) { try await pipeline.counter("ingest", "accepted") >= 1_000 }, "\(pipeline.logs())")
            first.signal(SIGTERM)
            #expect(await first.waitForExit(timeout: .seconds(10)) == 0, "\(first.stderr.suffix(2000))")

            let journal = try DatabaseQueue(path: pipeline.runDirectory.appendingPathComponent("data/journal-ingest-0.sqlite").path)
            let taken = try await journal.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM entry") ?? 0 }
            #expect(taken > 0 && taken < count, "SIGTERM came after the whole file was read (\(taken) stories); the test needs a longer file")
            try await journal.close()

            try pipeline.start("ingest", as: "ingest-again", ["--watch", inbox.path])
            #expect(
                try await eventually(timeout: .seconds(120)) {
                    try await pipeline.counter("ingest", "accepted") + (try await pipeline.counter("ingest", "duplicates")) == count
                }, "\(pipeline.logs())")
            #expect(try await pipeline.counter("ingest", "accepted") == count - taken)
            let reopened = try DatabaseQueue(path: pipeline.runDirectory.appendingPathComponent("data/journal-ingest-0.sqlite").path)
            #expect(try await reopened.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM entry") } == count)
        }
    }

    @Test("every stage, and the gateway with a stream open, exits cleanly within 5 seconds of SIGTERM or SIGINT")
    func stagesStopOnSignals() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()
            let url = try await GatewayTests.startGateway(pipeline)
            let token = try await GatewayTests.token(pipeline, scopes: ["read"], owner: nil)
            // A follower of the stories stream, still connected when the gateway is told to stop.
            let follower = try pipeline.startProcess(
                name: "stream-follower", executable: URL(fileURLWithPath: "/usr/bin/env"),
                arguments: ["curl", "-sN", "-H", "Authorization: Bearer \(token)", "\(url)/v1/stories/stream"])
            let file = try pipeline.write("one.jsonl", Self.matching + "\n")
            #expect(try await pipeline.newsctl("publish", [file.path]).status == 0)
            #expect(try await eventually { try await pipeline.counter("index", "indexed") >= 1 })
            #expect(try await eventually { follower.stdout.contains("event: story") }, "the follower: \(follower.stdout)")
            for (stage, signal) in [("gateway", SIGTERM), ("ingest", SIGTERM), ("tag", SIGINT), ("index", SIGTERM), ("notify", SIGINT)] {
                let child = try #require(pipeline.child(stage == "gateway" ? "gateway-0" : stage))
                let clock = ContinuousClock()
                let started = clock.now
                child.signal(signal)
                let status = await child.waitForExit(timeout: .seconds(5))
                #expect(status == 0, "\(stage) did not exit cleanly within 5 s of signal \(signal): \(child.stderr.suffix(2000))")
                #expect(clock.now - started < .seconds(5))
            }
        }
    }

    @Test("a second process cannot bind an endpoint that a running stage holds")
    func endpointInUse() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()
            let second = try pipeline.start("index", as: "index-again")
            let status = await second.waitForExit(timeout: .seconds(5))
            #expect(status != nil && status != 0)
            #expect(second.stderr.contains("endpoint in use"), "\(second.stderr)")
            // The first index still answers.
            #expect(try await pipeline.newsctl("status", ["index"]).status == 0)
        }
    }

    @Test("newsctl gives a clear error and a non-zero exit within seconds when a stage is not there")
    func newsctlWithoutPipeline() async throws {
        try await PipelineHarness.with { pipeline in
            let clock = ContinuousClock()
            let started = clock.now
            let search = try await pipeline.newsctl("search", ["iran"], timeout: .seconds(10))
            #expect(search.status != 0)
            #expect(search.stderr.contains("no index is running"), "\(search.stderr)")
            // A socket file that nobody listens on: the request times out instead of hanging.
            _ = try pipeline.write("notify-0.ctl", "")
            let subscribe = try await pipeline.newsctl("subscribe", ["--timeout", "1", "iran"], timeout: .seconds(10))
            #expect(subscribe.status != 0)
            #expect(subscribe.stderr.contains("notify is not answering"), "\(subscribe.stderr)")
            #expect(clock.now - started < .seconds(8))
        }
    }

    @Test("a bad query is refused with its column, by search and subscribe alike")
    func badQueries() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()
            let search = try await pipeline.newsctl("search", ["tariffs AND"])
            let subscribe = try await pipeline.newsctl("subscribe", ["tariffs AND"])
            for result in [search, subscribe] {
                #expect(result.status != 0)
                #expect(result.stderr.contains("column 12: expected a term"), "\(result.stderr)")
            }
        }
    }

    @Test("a dry run counts the window's matches and saves nothing; a backfill alerts on stored stories, then live ones, each once")
    func backfillAndDryRun() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()
            let now = Date()
            func story(_ id: String, _ headline: String, daysAgo: Double) -> String {
                let date = RFC3339.format(now.addingTimeInterval(-daysAgo * 86_400))
                return #"{"id": "\#(id)", "headline": "\#(headline)", "body": "Officials discussed the measures on \#(id).", "publishedAt": "\#(date)"}"#
            }
            let stored = try pipeline.write(
                "stored.jsonl",
                [
                    story("bf-1", "New tariffs on steel imports", daysAgo: 2), story("bf-2", "Tariffs on cars delayed again", daysAgo: 5),
                    story("bf-old", "Tariffs were the talk of an older summit", daysAgo: 30), story("bf-other", "Storm closes schools", daysAgo: 1),
                ].joined(separator: "\n") + "\n")
            #expect(try await pipeline.newsctl("publish", [stored.path]).status == 0)
            #expect(try await eventually { try await pipeline.counter("index", "stories") == 4 }, "\(pipeline.logs())")

            let dry = try await pipeline.newsctl("subscribe", ["--dry-run", "--backfill", "7d", "tariffs"])
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.contains("2 stories of the last 1w would have matched tariffs"), "\(dry.stdout)")
            #expect(dry.stdout.contains("Tariffs on cars delayed again") && !dry.stdout.contains("older summit"))
            #expect(try await pipeline.newsctl("subscriptions").stdout.contains("no subscriptions"), "a dry run saves nothing")
            let badDry = try await pipeline.newsctl("subscribe", ["--dry-run", "tariffs AND"])
            #expect(badDry.status != 0 && badDry.stderr.contains("column"), "\(badDry.stderr)")

            // A story published just before subscribing may reach notify before the subscription and
            // index after the first pass: the second pass or live matching alerts it, once.
            let racing = try pipeline.write("racing.jsonl", story("bf-3", "Tariffs talks resume", daysAgo: 0) + "\n")
            #expect(try await pipeline.newsctl("publish", [racing.path]).status == 0)
            let subscribed = try await pipeline.newsctl("subscribe", ["--backfill", "7d", "tariffs"])
            #expect(subscribed.status == 0, "\(subscribed.stderr)")
            #expect(subscribed.stderr.contains("backfill:"), "\(subscribed.stderr)")
            let id = subscribed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            let live = try pipeline.write("live.jsonl", story("bf-4", "Tariffs lifted on grain", daysAgo: 0) + "\n")
            #expect(try await pipeline.newsctl("publish", [live.path]).status == 0)
            func alertedStories() async throws -> [String] {
                try await pipeline.newsctl("alerts", ["--json", id]).stdout.split(separator: "\n").compactMap {
                    ((try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["story"] as? [String: Any])?["id"] as? String
                }
            }
            let arrived = try await eventually { Set(try await alertedStories()) == ["bf-1", "bf-2", "bf-3", "bf-4"] }
            let seen = try await alertedStories()
            #expect(arrived, "\(seen)")
            try await Task.sleep(for: .seconds(2))  // the second pass has run by now (index has no lag)
            let final = try await alertedStories()
            #expect(final.count == 4, "one alert per story: \(final)")
        }
    }
}

