import Foundation
import Synchronization
import Testing

/// Stories for fault runs: every fourth one is about Iran and must alert the `place:Iran` subscriber.
struct FaultWorkload {
    let total: Int
    let chunk: Int
    let prefix: String

    /// The size `make test` uses, or `NEWS_CHAOS_STORIES` for `make chaos`.
    static func sized(default total: Int, prefix: String) -> FaultWorkload {
        let configured = ProcessInfo.processInfo.environment["NEWS_CHAOS_STORIES"].flatMap(Int.init) ?? total
        return FaultWorkload(total: configured, chunk: max(100, configured / 40), prefix: prefix)
    }

    func id(_ index: Int) -> String { "\(prefix)-\(index)" }

    var expectedAlertIDs: Set<String> { Set(stride(from: 0, to: total, by: 4).map(id)) }

    static let topics = [
        "wheat", "copper", "railways", "bridges", "quotas", "vessels", "pipelines", "grain", "steel", "cotton", "coffee", "timber",
        "fisheries", "satellites", "vaccines", "drought", "turbines", "lithium", "ports", "rice", "cement", "fertiliser", "tyres",
        "textiles", "solar", "nickel", "sugar", "wool", "aviation", "shipping", "insurance", "software", "cobalt", "tea", "cocoa",
        "dairy", "salmon", "glass", "paper", "rubber",
    ]

    static let qualifiers = [
        "northern", "southern", "seasonal", "export", "import", "regional", "coastal", "inland", "frozen", "bonded", "state",
        "private", "spot", "future",
    ]

    /// Story `index`: every story is its own (sixteen two-word terms drawn for it from 560, in little
    /// template), so that none is a near-duplicate of another and each matching one makes its own alert
    /// (copies of one story share an alert by design; these tests are about delivery, not clustering).
    /// An earlier template ("Delegates met for round N of negotiations on …", sixteen words from forty)
    /// gave distinct stories word-pair similarities up to 0.32; MinHash's estimate (σ ≈ 0.04 at 128
    /// positions) then crossed its 0.4 threshold for one pair in 100,000 stories, which joined one
    /// story to another's cluster, and its alert was rightly not sent twice. Now the highest is about 0.18.
    func line(_ index: Int) -> String {
        let place = index % 4 == 0 ? "Iran" : ["Norway", "Chile", "Kenya"][index % 3]
        var state = UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        let words = (0..<16).map { _ -> String in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Self.qualifiers[Int((state >> 20) % UInt64(Self.qualifiers.count))] + " " + Self.topics[Int((state >> 33) % UInt64(Self.topics.count))]
        }
        let body = "Round \(index) covered \(words.joined(separator: ", "))."
        return #"{"id": "\#(id(index))", "headline": "Report \#(index) on \#(words[0]) talks with \#(place)", "body": "\#(body)", "source": "Fault Wire"}"#
    }

    /// Writes the stories in chunk files and returns their URLs, in order.
    func files(in pipeline: PipelineHarness, range: Range<Int>? = nil) throws -> [URL] {
        let range = range ?? 0..<total
        return try stride(from: range.lowerBound, to: range.upperBound, by: chunk).map { start in
            let end = min(start + chunk, range.upperBound)
            return try pipeline.write("\(prefix)-\(start).jsonl", (start..<end).map(line).joined(separator: "\n") + "\n")
        }
    }
}

extension PipelineHarness {
    /// Publishes each file with newsctl, again and again until ingest accepts it, as a client does while
    /// ingest restarts. Stable story ids make the retries harmless.
    func publishUntilAccepted(_ files: [URL], pause: Duration = .zero) async throws {
        for file in files {
            try await Task.sleep(for: pause)
            var attempts = 0
            while true {
                attempts += 1
                let result = try await newsctl("publish", ["--timeout", "2", file.path], timeout: .seconds(30))
                if result.status == 0 { break }
                #expect(attempts < 200, "ingest never accepted \(file.lastPathComponent): \(result.stderr)")
                if attempts >= 200 { return }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// The story count `index` reports (rows in the index: one per story id).
    func indexedStories() async throws -> Int { try await counter("index", "stories") }

    /// Every alert stored by notify, as (subscription, story) ids.
    func storedAlertStoryIDs() async throws -> [String] {
        let result = try await newsctl("alerts", ["--json", "--limit", "1000"])
        return result.stdout.split(separator: "\n").compactMap { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return (object?["story"] as? [String: Any])?["id"] as? String
        }
    }

    /// Story ids of the alerts a follower printed, with repeats.
    static func followedAlertStoryIDs(_ output: String) -> [String] {
        output.split(separator: "\n").compactMap { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return (object?["story"] as? [String: Any])?["id"] as? String
        }
    }

    /// Processes whose command line mentions `path` (a finished harness's run directory).
    static func processes(mentioning path: String) -> [String] {
        guard !path.isEmpty else { return [] }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid -> String? in
            guard Int(pid) != nil, pid != "\(getpid())",
                let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline")
            else { return nil }
            let commandLine = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return commandLine.contains(path) ? "\(pid): \(commandLine)" : nil
        }
    }
}

@Suite("Faults: nothing is lost, nothing is applied twice", .serialized, .timeLimit(.minutes(10)))
struct FaultTests {
    @Test("kill -9 of every stage in turn, twice, mid-stream: every story indexed once, every alert once")
    func killEveryStageMidStream() async throws {
        let workload = FaultWorkload.sized(default: 2000, prefix: "k")
        let runDirectory = Mutex<String>("")
        try await PipelineHarness.with { pipeline in
            runDirectory.withLock { $0 = pipeline.runDirectory.path }
            for stage in PipelineHarness.stages { try pipeline.start(stage) }
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0)
            let subscription = try await pipeline.newsctl("subscribe", ["place:Iran"])
            let id = subscription.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let follower = try pipeline.startNewsctl("alerts", ["--follow", "--json", id], name: "follower")
            #expect(try await eventually { follower.stderr.contains("following") })

            let files = try workload.files(in: pipeline)
            // Spread the publishing over the whole kill schedule, so every kill lands mid-stream.
            async let published: Void = pipeline.publishUntilAccepted(files, pause: .milliseconds(5000 / files.count))
            // Kill each stage in turn while stories flow, and start it again as `make run` would.
            for round in 0..<2 {
                for stage in PipelineHarness.stages {
                    try await Task.sleep(for: .milliseconds(400))
                    let victim = try #require(pipeline.child(stage))
                    victim.signal(SIGKILL)
                    _ = await victim.waitForExit(timeout: .seconds(5))
                    try await Task.sleep(for: .milliseconds(150))
                    try pipeline.start(stage)
                    _ = round
                }
            }
            try await published

            let complete = try await eventually(timeout: .seconds(120)) { try await pipeline.indexedStories() == workload.total }
            let indexed = try await pipeline.indexedStories()
            #expect(complete, "indexed \(indexed) of \(workload.total)\n\(pipeline.logs())")
            let search = try await pipeline.newsctl("search", ["--json", "--limit", "1", "source:\"Fault Wire\""])
            #expect(search.status == 0)

            let expected = workload.expectedAlertIDs
            let stored = try await eventually(timeout: .seconds(60)) {
                Set(try await pipeline.storedAlertStoryIDs()).count >= min(expected.count, 1000)
            }
            #expect(stored)
            if expected.count <= 1000 {
                let ids = try await pipeline.storedAlertStoryIDs()
                #expect(ids.count == expected.count, "notify stored \(ids.count) alerts for \(expected.count) matching stories")
                #expect(Set(ids) == expected)
            }
            // The follower saw every alert at least once; after removing repeats, exactly the expected set.
            let followed = try await eventually(timeout: .seconds(60)) {
                Set(PipelineHarness.followedAlertStoryIDs(follower.stdout)) == expected
            }
            let seen = PipelineHarness.followedAlertStoryIDs(follower.stdout)
            #expect(
                followed,
                """
                follower saw \(Set(seen).count) of \(expected.count) alerts; missing \(expected.subtracting(seen).sorted().prefix(10)); \
                its stderr ends: \(String(follower.stderr.suffix(3000)))
                """)
            #expect(seen.count == Set(seen).count, "newsctl alerts --follow printed an alert twice")
        }
        let stray = PipelineHarness.processes(mentioning: runDirectory.withLock { $0 })
        #expect(stray.isEmpty, "stray processes: \(stray)")
    }

    @Test("late downstream stages, a stalled consumer, and two tag replicas with one killed")
    func lateStartsStallsAndReplicas() async throws {
        let workload = FaultWorkload.sized(default: 2000, prefix: "r")
        let runDirectory = Mutex<String>("")
        try await PipelineHarness.with { pipeline in
            runDirectory.withLock { $0 = pipeline.runDirectory.path }
            // Only ingest at first: the first half waits in its journal.
            try pipeline.start("ingest")
            let half = workload.total / 2
            try await pipeline.publishUntilAccepted(try workload.files(in: pipeline, range: 0..<half))

            // Downstream stages start late, with two tag replicas sharing the work. The subscription
            // exists before any tagged story does (alerts are for stories that arrive after subscribing).
            try pipeline.start("notify")
            #expect(try await eventually { try await pipeline.newsctl("subscribe", ["place:Iran"]).status == 0 })
            try pipeline.startReplica("tag", 0)
            try pipeline.startReplica("tag", 1)
            try pipeline.start("index")
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0)

            // Stall index past the replica timeout, then let it go on.
            let index = try #require(pipeline.child("index"))
            index.signal(SIGSTOP)
            async let secondHalf: Void = pipeline.publishUntilAccepted(try workload.files(in: pipeline, range: half..<workload.total))
            try await Task.sleep(for: .seconds(6))
            index.signal(SIGCONT)

            // Kill one tag replica mid-stream: what it had not acknowledged goes to the other.
            let tag1 = try #require(pipeline.child("tag-1"))
            tag1.signal(SIGKILL)
            _ = await tag1.waitForExit(timeout: .seconds(5))
            try await secondHalf
            let statuses = try await pipeline.statuses("tag")
            let survivor = try #require(statuses.first { $0["instance"] as? String == "tag-0" })
            #expect(((survivor["counters"] as? [String: Any])?["received"] as? Int ?? 0) > 0)

            // What tag-1 had already tagged waits in its journal until it is started again.
            try pipeline.startReplica("tag", 1)
            let complete = try await eventually(timeout: .seconds(120)) { try await pipeline.indexedStories() == workload.total }
            let indexed = try await pipeline.indexedStories()
            #expect(complete, "indexed \(indexed) of \(workload.total)\n\(pipeline.logs())")
            let expected = workload.expectedAlertIDs
            if expected.count <= 1000 {
                let stored = try await eventually(timeout: .seconds(60)) { try await pipeline.storedAlertStoryIDs().count == expected.count }
                #expect(stored)
                let ids = try await pipeline.storedAlertStoryIDs()
                #expect(Set(ids) == expected && ids.count == expected.count)
            }
            // Both replicas did part of the work.
            let received = try await pipeline.statuses("tag").map { (($0["counters"] as? [String: Any])?["received"] as? Int) ?? 0 }
            #expect(received.count == 2)
        }
        let stray = PipelineHarness.processes(mentioning: runDirectory.withLock { $0 })
        #expect(stray.isEmpty, "stray processes: \(stray)")
    }

    @Test("tag scaled from 3 replicas to 1 with SIGTERM mid-stream of 6,000 stories: every story indexed, every alert once")
    func scaleTagDownMidStream() async throws {
        let workload = FaultWorkload.sized(default: 6000, prefix: "s")
        try await PipelineHarness.with { pipeline in
            try pipeline.start("ingest")
            for replica in 0..<3 { try pipeline.startReplica("tag", replica) }
            try pipeline.start("index")
            try pipeline.start("notify")
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0)
            let subscription = try await pipeline.newsctl("subscribe", ["place:Iran"])
            let id = subscription.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let follower = try pipeline.startNewsctl("alerts", ["--follow", "--json", id], name: "follower")
            #expect(try await eventually { follower.stderr.contains("following") })

            let files = try workload.files(in: pipeline)
            async let published: Void = pipeline.publishUntilAccepted(files, pause: .milliseconds(6000 / files.count))
            // Scale down while stories flow: the two replicas stop as `make` or compose stops them, and
            // are not started again. What they had taken goes back to the group; what they had tagged
            // they hand on before they exit.
            #expect(try await eventually(timeout: .seconds(60)) { try await pipeline.counter("index", "stories") >= workload.total / 4 })
            for replica in [2, 1] {
                let child = try #require(pipeline.child("tag-\(replica)"))
                child.signal(SIGTERM)
                #expect(await child.waitForExit(timeout: .seconds(10)) == 0, "tag-\(replica): \(child.stderr.suffix(2000))")
            }
            try await published

            let complete = try await eventually(timeout: .seconds(120)) { try await pipeline.indexedStories() == workload.total }
            let indexed = try await pipeline.indexedStories()
            #expect(complete, "indexed \(indexed) of \(workload.total) with tag scaled down\n\(pipeline.logs())")
            let expected = workload.expectedAlertIDs
            let followed = try await eventually(timeout: .seconds(60)) {
                Set(PipelineHarness.followedAlertStoryIDs(follower.stdout)) == expected
            }
            let seen = PipelineHarness.followedAlertStoryIDs(follower.stdout)
            #expect(followed, "follower saw \(Set(seen).count) of \(expected.count) alerts; missing \(expected.subtracting(seen).sorted().prefix(10))")
            #expect(seen.count == Set(seen).count, "an alert arrived twice")
            let survivor = try await pipeline.statuses("tag")
            #expect(survivor.count == 1)
        }
    }
}
