import Foundation
import NewsModel
import Testing

/// `ingest` polling feed URLs served by a real local HTTP server (Support/feed_server.py).
@Suite("Feed polling over HTTP", .serialized, .timeLimit(.minutes(3)))
struct FeedPollingTests {
    /// The feeds `ingest` polls, from `newsctl feeds list --json`, by URL.
    static func feeds(_ pipeline: PipelineHarness) async throws -> [String: [String: Any]] {
        let result = try await pipeline.newsctl("feeds list", ["--json"], timeout: .seconds(10))
        var feeds: [String: [String: Any]] = [:]
        for line in result.stdout.split(separator: "\n") {
            if let feed = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let url = feed["url"] as? String {
                feeds[url] = feed
            }
        }
        return feeds
    }

    static func number(_ feed: [String: Any]?, _ key: String) -> Int { feed?[key] as? Int ?? -1 }

    static func date(_ feed: [String: Any]?, _ key: String) -> Date? {
        // With the milliseconds: cutting them off made a 3.6 s backoff look like 3 s.
        (feed?[key] as? String).flatMap(RFC3339.parse)
    }

    @Test("a feed is fetched with conditional GET, each item is journaled once, and the state survives a restart")
    func conditionalGetAndRestart() async throws {
        try await PipelineHarness.with { pipeline in
            let server = try await TestFeedServer.start(in: pipeline)
            try await server.setFeed(
                "wire",
                rssFeed(
                    title: "Test Wire",
                    items: [
                        ("g1", "Tariff talks resume", "Tue, 03 Feb 2026 09:15:00 EST"), ("g2", "Ports reopen", nil),
                        ("g1", "Tariff talks resume (listed twice)", nil),
                    ]))
            let wire = server.url("/feeds/wire")
            let ingest = try pipeline.start("ingest", ["--poll", wire, "--poll-interval", "1", "--feed-allow", "127.0.0.0/8"])

            // Polled every second: the first fetch gets the feed, the next ones "304 Not Modified".
            #expect(try await eventually {
                let feed = try await Self.feeds(pipeline)[wire]
                return Self.number(feed, "notModified") >= 2
            }, "\(ingest.stderr.suffix(3000))")
            var feed = try await Self.feeds(pipeline)[wire]
            #expect(Self.number(feed, "storiesAccepted") == 2)
            #expect(feed?["etag"] as? String != nil && feed?["lastModified"] as? String != nil)
            let log = try await server.requests(for: "/feeds/wire")
            #expect(log.first?.ifNoneMatch == nil)
            #expect(log.dropFirst().allSatisfy { $0.ifNoneMatch == feed?["etag"] as? String && $0.ifModifiedSince != nil && $0.status == 304 })

            // A changed feed is fetched again; only its new item is journaled.
            try await server.setFeed(
                "wire", rssFeed(title: "Test Wire", items: [("g2", "Ports reopen", nil), ("g3", "Shipping rates fall", "Wed, 04 Feb 2026 10:00:00 +0100")]))
            #expect(try await eventually { Self.number(try await Self.feeds(pipeline)[wire], "storiesAccepted") == 3 })
            feed = try await Self.feeds(pipeline)[wire]
            #expect(Self.number(feed, "duplicates") == 2, "the GUID listed twice, then the item fetched again")

            // The same items through a second URL without validators: fetched in full each time, and
            // every item is an exact duplicate of what ingest already has.
            let plain = server.url("/plain/wire")
            let added = try await pipeline.newsctl("feeds add", [plain, "--every", "1s", "--name", "Mirror"])
            #expect(added.status == 0, "\(added.stderr)")
            #expect(added.stdout.contains("polling \(plain) every 1s"))
            #expect(try await eventually { Self.number(try await Self.feeds(pipeline)[plain], "polls") >= 2 })
            #expect(Self.number(try await Self.feeds(pipeline)[plain], "storiesAccepted") == 0)
            #expect(try await pipeline.counter("ingest", "accepted") == 3)

            // Restart: the feeds and their validators are remembered, so the first poll is conditional.
            let before = try await server.requests(for: "/feeds/wire").count
            ingest.signal(SIGTERM)
            #expect(await ingest.waitForExit(timeout: .seconds(10)) == 0)
            let restarted = try pipeline.start("ingest", as: "ingest-again", ["--feed-allow", "127.0.0.0/8"])
            #expect(try await eventually { try await server.requests(for: "/feeds/wire").count >= before + 2 }, "\(restarted.stderr)")
            let after = try await server.requests(for: "/feeds/wire").dropFirst(before)
            #expect(after.allSatisfy { $0.ifNoneMatch != nil && $0.status == 304 })
            let remembered = try await Self.feeds(pipeline)
            #expect(Set(remembered.keys) == [wire, plain])
            #expect(Self.number(remembered[wire], "storiesAccepted") == 3)
            #expect(remembered[plain]?["name"] as? String == "Mirror")
            #expect(try await pipeline.counter("ingest", "accepted") == 0, "nothing is journaled twice after a restart")

            let listed = try await pipeline.newsctl("feeds list")
            #expect(listed.stdout.contains("\(wire)  [ok]"), "\(listed.stdout)")
        }
    }

    @Test("failing, hanging, endless and malformed feeds are counted and backed off while a good feed keeps flowing")
    func failingFeedsDoNotStopOthers() async throws {
        try await PipelineHarness.with { pipeline in
            let server = try await TestFeedServer.start(in: pipeline)
            try await server.setFeed("good", rssFeed(title: "Good", items: [("ok-1", "Harvest up", nil), ("ok-2", "Rain returns", nil)]))
            try await server.setFeed("broken", "<?xml version=\"1.0\"?><rss><channel><item><title>cut off</channel>")
            let ingest = try pipeline.start("ingest", ["--fetch-timeout", "2", "--feed-allow", "127.0.0.0/8"])
            #expect(try await eventually { try await pipeline.statuses("ingest").count == 1 })

            let expected: [(path: String, error: String)] = [
                ("/status/500", "answered HTTP 500"),
                ("/status/503?retry=30", "answered HTTP 503"),
                ("/slow", "took longer than 2 s"),
                ("/drip", "took longer than 2 s"),
                ("/endless", "larger than"),
                ("/feeds/broken", "is not a feed that can be read"),
            ]
            for path in expected.map(\.path) + ["/feeds/good", "/flaky/good?fail=2"] {
                let added = try await pipeline.newsctl("feeds add", [server.url(path), "--every", "1"])
                #expect(added.status == 0, "\(path): \(added.stderr)")
            }

            #expect(try await eventually(timeout: .seconds(40)) {
                let feeds = try await Self.feeds(pipeline)
                return expected.allSatisfy { Self.number(feeds[server.url($0.path)], "errors") >= 1 }
                    && Self.number(feeds[server.url("/flaky/good?fail=2")], "polls") >= 3
                    && Self.number(feeds[server.url("/status/500")], "consecutiveErrors") >= 2
            }, "\(ingest.stderr.suffix(3000))")
            let feeds = try await Self.feeds(pipeline)
            for (path, error) in expected {
                #expect((feeds[server.url(path)]?["lastError"] as? String)?.contains(error) == true, "\(path): \(feeds[server.url(path)] ?? [:])")
            }
            // The good feed flowed; the flaky one recovered after two failures.
            #expect(Self.number(feeds[server.url("/feeds/good")], "storiesAccepted") == 2)
            let flaky = feeds[server.url("/flaky/good?fail=2")]
            #expect(Self.number(flaky, "errors") == 2 && Self.number(flaky, "consecutiveErrors") == 0)
            // Every successful fetch of the flaky feed (it sends no validators, so each is a full 200) finds
        // the good feed's two items again; how many fetches there were depends on how busy the machine is.
        let fetches = Self.number(flaky, "polls") - Self.number(flaky, "errors")
        #expect(fetches >= 1 && Self.number(flaky, "duplicates") == 2 * fetches, "the same items as the good feed: \(flaky ?? [:])")

            // Backoff: the interval doubles per failure in a row; Retry-After is honoured.
            let failing = feeds[server.url("/status/500")]
            let streak = Double(Self.number(failing, "consecutiveErrors"))
            let wait = Self.date(failing, "nextPollAt")!.timeIntervalSince(Self.date(failing, "lastPolledAt")!)
            #expect(wait >= 0.85 * pow(2, streak), "waits \(wait) s after \(streak) failures")
            let throttled = feeds[server.url("/status/503?retry=30")]
            #expect(Self.date(throttled, "nextPollAt")!.timeIntervalSince(Self.date(throttled, "lastPolledAt")!) >= 29)

            #expect(ingest.isRunning)
            #expect(try await pipeline.counter("ingest", "feed_errors") >= expected.count)
            #expect(try await pipeline.counter("ingest", "accepted") == 2)
            let text = try await pipeline.newsctl("feeds list")
            #expect(text.stdout.contains("\(server.url("/status/500"))  [FAILING"), "\(text.stdout)")

            // Removing a feed stops its polling.
            let removed = try await pipeline.newsctl("feeds remove", [server.url("/status/500")])
            #expect(removed.status == 0 && removed.stdout.contains("stopped polling"), "\(removed.stderr)")
            #expect(try await Self.feeds(pipeline)[server.url("/status/500")] == nil)
            let missing = try await pipeline.newsctl("feeds remove", [server.url("/status/500")])
            #expect(missing.status == 1 && missing.stderr.contains("no ingest polls"))

            // Refused at the door.
            let ftp = try await pipeline.newsctl("feeds add", ["ftp://files.example/feed.xml"])
            #expect(ftp.status == 1 && ftp.stderr.contains("is not an http or https URL"), "\(ftp.stderr)")
            let zero = try await pipeline.newsctl("feeds add", [server.url("/feeds/good"), "--every", "0"])
            #expect(zero.status != 0)
        }
    }

    @Test("ingest parse URL prints the feed's stories, with feed dates normalised and missing ones marked")
    func parseURL() async throws {
        try await PipelineHarness.with { pipeline in
            let server = try await TestFeedServer.start(in: pipeline)
            try await server.setFeed(
                "dates",
                rssFeed(title: "Dates", items: [
                    ("d1", "Zone names", "Tue, 03 Feb 2026 09:15:00 EST"), ("d2", "No date", nil), ("d3", "Odd date", "sometime last week"),
                ]))
            let parse = try pipeline.startProcess(
                name: "parse", executable: pipeline.executable("ingest"), arguments: ["parse", server.url("/feeds/dates")])
            #expect(await parse.waitForExit(timeout: .seconds(20)) == 0, "\(parse.stderr)")
            let stories = parse.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            #expect(stories.map { $0["id"] as? String } == ["d1", "d2", "d3"])
            #expect((stories[0]["publishedAt"] as? String)?.hasPrefix("2026-02-03T14:15:00") == true && stories[0]["publishedAtEstimated"] == nil)
            #expect(stories[1]["publishedAtEstimated"] as? Bool == true && stories[1]["publishedAt"] != nil)
            #expect(stories[2]["publishedAtEstimated"] as? Bool == true)
            #expect(parse.stderr.contains("the date \"sometime last week\" cannot be read"), "\(parse.stderr)")

            let failing = try pipeline.startProcess(
                name: "parse-500", executable: pipeline.executable("ingest"), arguments: ["parse", server.url("/status/500")])
            #expect(await failing.waitForExit(timeout: .seconds(20)) == 1)
            #expect(failing.stderr.contains("answered HTTP 500"), "\(failing.stderr)")
        }
    }

    @Test("ingest reads a feed from stdin as well as JSON Lines")
    func feedOnStandardInput() async throws {
        try await PipelineHarness.with { pipeline in
            let atom = try pipeline.write(
                "stdin.atom",
                """
                <?xml version="1.0" encoding="utf-8"?>
                <feed xmlns="http://www.w3.org/2005/Atom"><title>Desk</title>
                <entry><id>urn:x:1</id><title>Grain exports resume</title><updated>2026-02-05T18:00:00Z</updated>
                <content type="html">&lt;p&gt;Ships left port.&lt;/p&gt;</content></entry>
                <entry><id>urn:x:2</id><title>Markets steady</title><updated>2026-02-05T19:00:00Z</updated>
                <summary>Trading was calm.</summary></entry></feed>
                """)
            let parse = try pipeline.startProcess(
                name: "parse-stdin", executable: pipeline.executable("ingest"), arguments: ["parse", "-"], standardInput: atom)
            #expect(await parse.waitForExit(timeout: .seconds(20)) == 0, "\(parse.stderr)")
            #expect(parse.stdout.split(separator: "\n").count == 2)
            #expect(parse.stdout.contains("\"source\":\"Desk\""))

            let ingest = try pipeline.startProcess(
                name: "ingest", executable: pipeline.executable("ingest"),
                arguments: ["--run-dir", pipeline.runDirectory.path, "--exit-with-parent", "--input", "-"], standardInput: atom)
            #expect(try await eventually { try await pipeline.counter("ingest", "accepted") == 2 }, "\(ingest.stderr)")
        }
    }
}
