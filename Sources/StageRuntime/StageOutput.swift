import AsyncAlgorithms
import Foundation
import Logging
import Metrics
import NewsModel
import NewsTransport
import Telemetry
import ZeroMQ

/// What a producing stage sends downstream: every message is journaled, then offered on the stage's
/// reliable feed, and, for stages that have one, on a live pub/sub stream.
public final class StageOutput: Sendable {
    /// The durable journal.
    public let journal: Journal
    /// The reliable feed that consumer groups read.
    public let feed: FeedServer
    /// The live pub/sub stream, if the stage has one.
    public let live: Publisher?

    private let stage: String

    private init(journal: Journal, feed: FeedServer, live: Publisher?, stage: String) {
        self.journal = journal
        self.feed = feed
        self.live = live
        self.stage = stage
    }

    /// Opens the stage's journal (`<data-dir>/journal-<instance>.sqlite`) and binds its feed and, if
    /// asked, its live stream.
    public static func open(
        runtime: StageRuntime, dataDirectory: String, feedEndpoint: String, liveEndpoint: String? = nil,
        retention: JournalRetention = .standard
    ) async throws -> StageOutput {
        let journal = try Journal(
            path: dataDirectory + "/journal-\(runtime.producer.id).sqlite", producer: runtime.producer, retention: retention)
        let feed = try await FeedServer.bind(
            context: runtime.context, endpoint: feedEndpoint, journal: journal, producer: runtime.producer, logger: runtime.logger)
        var live: Publisher?
        if let liveEndpoint {
            live = try await Publisher.bind(context: runtime.context, endpoint: liveEndpoint, logger: runtime.logger)
        }
        let output = StageOutput(journal: journal, feed: feed, live: live, stage: runtime.stage)
        runtime.observe(output: output)
        return output
    }

    /// Journals the payloads (committing before returning), then offers them to consumers.
    public func emit(_ items: [(payload: Payload, topic: String, originAt: Date)], counters: StageCounters) async throws {
        let entries = try await journal.append(items)
        feed.appended(entries)
        if let live {
            for entry in entries { try? live.send([Data(entry.topic.utf8), entry.body]) }
        }
        counters.increment("published", by: entries.count)
        var topics: [String: Int] = [:]
        for entry in entries { topics[Telemetry.topicLabel(entry.topic), default: 0] += 1 }
        for (topic, count) in topics {
            Counter(label: "news_messages_published_total", dimensions: [("stage", stage), ("topic", topic)]).increment(by: count)
        }
    }

    /// Waits (at most `timeout`) until every connected consumer group has taken and acknowledged
    /// everything journaled, then stores positions and closes the feed and the live stream. A replica
    /// stopped this way leaves nothing waiting in its journal, so scaling down loses no time.
    public func close(drainFor timeout: Duration = .seconds(3)) async {
        let deadline = ContinuousClock.now + timeout
        func drained() -> Bool { !feed.groups.contains { !$0.replicas.isEmpty && ($0.backlog > 0 || $0.inFlight > 0) } }
        if !drained() {
            for await tick in AsyncTimerSequence(interval: .milliseconds(50), clock: .continuous) where drained() || tick >= deadline {
                break
            }
        }
        await feed.close()
        await live?.close()
    }
}
