import Foundation
import Histogram
import Logging
import NewsModel
import NewsTransport
import Synchronization
import ZeroMQ

/// The whole pipeline as separate release processes on `ipc://`: stories submitted the way
/// `newsctl publish` does, every one matching a subscription, and the alerts read from notify's feed.
struct PipelineBenchmark {
    struct Result {
        var offered: Double?
        var tagReplicas: Int
        var stories: Int
        var storiesPerSecond: Double
        var p50: Double
        var p99: Double
        var max: Double
    }

    let binaries: String
    let corpus: BenchCorpus
    let count: Int
    /// Stories per second to offer, or nil to submit as fast as ingest accepts them.
    var rate: Double? = nil
    let logger = Logger(label: "news-bench")

    func run(tagReplicas: Int) async throws -> Result {
        var template = Array("/tmp/nbench-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw BenchError("cannot make a temporary directory") }
        let runDirectory = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: runDirectory) }
        let layout = PipelineLayout(runDirectory: runDirectory)

        var processes: [Process] = []
        defer {
            for process in processes where process.isRunning { process.terminate() }
            for process in processes { process.waitUntilExit() }
        }
        func start(_ stage: String, _ instance: String) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binaries + "/" + stage)
            process.arguments = ["--run-dir", runDirectory, "--instance", instance, "--log-level", "warning", "--exit-with-parent"]
            let log = FileManager.default.createFile(atPath: "\(runDirectory)/\(instance).log", contents: nil)
            _ = log
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(runDirectory)/\(instance).log"))
            process.standardError = handle
            process.standardOutput = handle
            try process.run()
            try handle.close()
            processes.append(process)
        }
        try start("ingest", "ingest-0")
        for replica in 0..<tagReplicas { try start("tag", "tag-\(replica)") }
        try start("index", "index-0")
        try start("notify", "notify-0")

        let context = try ZMQContext()
        func client(_ instance: String) -> ControlClient {
            ControlClient(stage: instance, client: RequestClient(context: context, endpoint: layout.control(instance), timeout: .seconds(10)))
        }
        // Ready: tag replicas have joined ingest's feed, and index and notify have joined every tag
        // replica's feed (as `newsctl status --wait` checks). Without the second, stories submitted
        // before notify found a tag feed waited for it, and the steady run's p99 measured start-up.
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        func joinedEveryTagFeed(_ instance: String) async -> Bool {
            guard let status = try? await client(instance).call(.status, as: StageStatus.self) else { return false }
            return (status.sources ?? []).filter(\.connected).count >= tagReplicas
        }
        while true {
            if let ingest = try? await client("ingest-0").call(.status, as: StageStatus.self),
                ingest.feeds?.first(where: { $0.group == "tag" })?.replicas.count == tagReplicas,
                await joinedEveryTagFeed("notify-0"), await joinedEveryTagFeed("index-0")
            {
                break
            }
            guard clock.now < deadline else { throw BenchError("the pipeline did not start; logs in \(runDirectory)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        _ = try await client("notify-0").call(.subscribe(SubscribeRequest(query: "source:Bench")), as: SubscribeResult.self)

        let follower = FeedConsumer.start(
            context: context, sources: layout.feeds(of: "notify"),
            hello: FeedHello(group: "bench", instance: "bench", window: 1024, start: .latest, durable: false), logger: logger)
        while !(follower.sourceStatus.first?.connected ?? false) { try await Task.sleep(for: .milliseconds(20)) }

        let submittedAt = Mutex<[String: ContinuousClock.Instant]>([:])
        let histogram = Mutex(Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three))
        let prefix = "b\(tagReplicas)-"
        let lines = (0..<count).map { index -> String in
            let item = corpus.items[index % corpus.items.count]
            let object: [String: String] = [
                "id": prefix + String(index), "headline": item.headline, "body": item.body, "source": "Bench",
            ]
            return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        let started = clock.now
        // Alerts are expected for the stories ingest accepts; exact duplicates in the corpus are skipped.
        let progress = Mutex<(count: Int, last: ContinuousClock.Instant)>((0, started))
        async let collected: Void = {
            var seen = Set<String>()
            for await batch in follower.deliveries {
                let now = clock.now
                for delivery in batch {
                    delivery.acknowledge()
                    guard case .alert(let alert)? = delivery.message?.envelope.payload, seen.insert(alert.story.id).inserted,
                        let sent = submittedAt.withLock({ $0[alert.story.id] })
                    else { continue }
                    let microseconds = UInt64(max(0, (now - sent) / .microseconds(1)))
                    histogram.withLock { _ = $0.record(microseconds) }
                    progress.withLock { $0 = (seen.count, now) }
                }
            }
        }()
        var accepted = 0
        let batchSize = rate == nil ? 500 : 25
        for start in stride(from: 0, to: count, by: batchSize) {
            if let rate {
                // Paced: batch k goes out at k × batchSize / rate seconds after the start.
                let due = started + .milliseconds(Int(Double(start) / rate * 1000))
                if clock.now < due { try await Task.sleep(until: due, clock: clock) }
            }
            let batch = Array(lines[start..<min(start + batchSize, count)])
            let now = clock.now
            submittedAt.withLock { map in
                for index in start..<(start + batch.count) { map[prefix + String(index)] = now }
            }
            let result = try await client("ingest-0").call(
                .submit(SubmitRequest(source: "bench", firstLine: start + 1, lines: batch)), as: SubmitResult.self)
            guard result.refused.isEmpty else { throw BenchError("ingest refused \(result.refused.count) lines: \(result.refused[0].error)") }
            accepted += result.accepted.count
        }
        // Every story alerts, except a near-duplicate copy, which shares its cluster's alert.
        let ingestStatus = try await client("ingest-0").call(.status, as: StageStatus.self)
        let expected = accepted - (ingestStatus.counters["near_duplicates"] ?? 0)
        let alertsDeadline = clock.now + .seconds(300)
        while progress.withLock({ $0.count }) < expected && clock.now < alertsDeadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        follower.close()
        await collected
        let finished = progress.withLock { $0.last }
        let elapsed = (finished - started) / .seconds(1)
        let snapshot = histogram.withLock { $0 }
        guard Int(snapshot.totalCount) >= expected else {
            throw BenchError("only \(snapshot.totalCount) of \(expected) alerts arrived within 300 s; logs in \(runDirectory)")
        }
        return Result(
            offered: rate, tagReplicas: tagReplicas, stories: accepted, storiesPerSecond: Double(accepted) / elapsed,
            p50: Double(snapshot.valueAtPercentile(50)) / 1000, p99: Double(snapshot.valueAtPercentile(99)) / 1000,
            max: Double(snapshot.max) / 1000)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
