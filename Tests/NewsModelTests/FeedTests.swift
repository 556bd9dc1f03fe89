import Foundation
import Logging
import NewsModel
import NewsTransport
import Testing
import ZeroMQ

/// The reliable feed with a real journal, ROUTER and DEALER sockets, in one process.
@Suite("The reliable feed", .serialized, .timeLimit(.minutes(1)))
struct FeedTests {
    let directory: String
    let logger = Logger(label: "feed-test")

    init() throws {
        var template = Array("/tmp/nfeed-XXXXXX".utf8CString)
        directory = String(cString: mkdtemp(&template)!)
    }

    func story(_ index: Int) -> Payload {
        .story(Story(id: "s\(index)", headline: "Story \(index)", body: "Body \(index)"))
    }

    func collect(_ consumer: FeedConsumer, count: Int, acknowledge: Bool = true) async -> [UInt64] {
        var sequences: [UInt64] = []
        for await batch in consumer.deliveries {
            for delivery in batch {
                sequences.append(delivery.sequence)
                if acknowledge { delivery.acknowledge() }
            }
            if sequences.count >= count { break }
        }
        return sequences
    }

    @Test("a new group reads everything retained, in order, and its position is stored")
    func earliestGroupReadsEverything() async throws {
        let producer = MessageProducer(id: "ingest-0")
        let journal = try Journal(path: directory + "/journal.sqlite", producer: producer)
        _ = try await journal.append((1...50).map { (story($0), StreamTopic.storyIngested, Date()) })
        let context = try ZMQContext()
        let endpoint = "ipc://\(directory)/ingest-0.feed"
        let server = try await FeedServer.bind(context: context, endpoint: endpoint, journal: journal, producer: producer, logger: logger)
        let consumer = FeedConsumer.start(
            context: context, sources: FeedSources(endpoints: [endpoint]),
            hello: FeedHello(group: "tag", instance: "tag-0", window: 8, start: .earliest, durable: true), logger: logger)
        let sequences = await collect(consumer, count: 50)
        #expect(sequences == Array(1...50))
        #expect(try await eventually { server.groups.first?.position == 50 })
        await consumer.waitUntilClosed()
        await server.close()
        #expect(try journal.groupPositions()["tag"] == 50)
    }

    @Test("what one replica leaves unacknowledged goes to another replica of its group")
    func redeliveryToAnotherReplica() async throws {
        let producer = MessageProducer(id: "ingest-0")
        let journal = try Journal(path: directory + "/journal.sqlite", producer: producer)
        _ = try await journal.append((1...20).map { (story($0), StreamTopic.storyIngested, Date()) })
        let context = try ZMQContext()
        let endpoint = "ipc://\(directory)/ingest-0.feed"
        let server = try await FeedServer.bind(context: context, endpoint: endpoint, journal: journal, producer: producer, logger: logger)
        let sources = FeedSources(endpoints: [endpoint])
        // The first replica takes a window of messages and leaves without acknowledging them.
        let first = FeedConsumer.start(
            context: context, sources: sources,
            hello: FeedHello(group: "tag", instance: "tag-0", window: 5, start: .earliest, durable: true), logger: logger)
        let taken = await collect(first, count: 5, acknowledge: false)
        #expect(taken.count == 5)
        await first.waitUntilClosed()
        // The second replica gets all twenty, the abandoned five included.
        let second = FeedConsumer.start(
            context: context, sources: sources,
            hello: FeedHello(group: "tag", instance: "tag-1", window: 5, start: .earliest, durable: true), logger: logger)
        let received = await collect(second, count: 20)
        #expect(Set(received) == Set(1...20))
        #expect(try await eventually { server.groups.first?.position == 20 })
        await second.waitUntilClosed()
        await server.close()
    }

    @Test("a group behind the retained entries is told what was dropped and goes on from the oldest")
    func droppedEntriesAreReported() async throws {
        let producer = MessageProducer(id: "ingest-0")
        let journal = try Journal(
            path: directory + "/journal.sqlite", producer: producer, retention: JournalRetention(maxEntries: 10))
        _ = try await journal.append((1...30).map { (story($0), StreamTopic.storyIngested, Date()) })
        try journal.saveGroupPositions(["tag": 5])
        #expect(try journal.enforceRetention() == 20)
        #expect(journal.oldestSequence == 21)
        let context = try ZMQContext()
        let endpoint = "ipc://\(directory)/ingest-0.feed"
        let server = try await FeedServer.bind(context: context, endpoint: endpoint, journal: journal, producer: producer, logger: logger)
        let consumer = FeedConsumer.start(
            context: context, sources: FeedSources(endpoints: [endpoint]),
            hello: FeedHello(group: "tag", instance: "tag-0", window: 50, start: .earliest, durable: true), logger: logger)
        let received = await collect(consumer, count: 10)
        #expect(received == Array(21...30))
        #expect(try await eventually { consumer.sourceStatus.first?.problem?.contains("dropped by retention") == true })
        #expect(consumer.sourceStatus.first?.problem?.contains("6-20") == true)
        await consumer.waitUntilClosed()
        await server.close()
    }

    /// notify-0's feed as a restarted producer has it: a new producer epoch over the same journal,
    /// which first journals `journaled` (messages never sent), then binds.
    func startNotifyFeed(_ context: ZMQContext, journaling journaled: ClosedRange<Int>? = nil) async throws -> (Journal, FeedServer) {
        let producer = MessageProducer(id: "notify-0")
        let journal = try Journal(path: directory + "/journal.sqlite", producer: producer)
        if let journaled { _ = try await journal.append(journaled.map { (story($0), StreamTopic.storyIngested, Date()) }) }
        let server = try await FeedServer.bind(context: context, endpoint: notifyFeed, journal: journal, producer: producer, logger: logger)
        return (journal, server)
    }

    var notifyFeed: String { "ipc://\(directory)/notify-0.feed" }

    /// A follower of notify-0's feed, as `newsctl follow` is: non-durable, from the latest message.
    func startFollower(_ context: ZMQContext) -> FeedConsumer {
        FeedConsumer.start(
            context: context, sources: FeedSources(endpoints: [notifyFeed]),
            hello: FeedHello(group: "follower", instance: "f", window: 50, start: .latest, durable: false), logger: logger)
    }

    @Test("a follower resumes after a producer restart without missing what came in between")
    func followerSurvivesProducerRestart() async throws {
        let context = try ZMQContext()
        var (journal, server) = try await startNotifyFeed(context)
        let follower = startFollower(context)
        #expect(try await eventually { follower.sourceStatus.first?.connected == true })
        server.appended(try await journal.append((1...5).map { (story($0), StreamTopic.storyIngested, Date()) }))
        var iterator = follower.deliveries.makeAsyncIterator()
        var seen: [UInt64] = []
        while seen.count < 5, let batch = await iterator.next() {
            for delivery in batch {
                seen.append(delivery.sequence)
                delivery.acknowledge()
            }
        }
        // The producer restarts and journals more before the follower has greeted it again.
        await server.close()
        try await Task.sleep(for: .milliseconds(2))
        (journal, server) = try await startNotifyFeed(context, journaling: 6...8)
        while seen.count < 8, let batch = await iterator.next() {
            for delivery in batch {
                seen.append(delivery.sequence)
                delivery.acknowledge()
            }
        }
        #expect(seen == Array(1...8))
        await follower.waitUntilClosed()
        await server.close()
    }

    @Test("a follower given nothing yet resumes from where it joined when the producer restarts, not from its new head")
    func followerWithNothingYetSurvivesProducerRestart() async throws {
        let context = try ZMQContext()
        var (_, server) = try await startNotifyFeed(context, journaling: 1...3)
        let follower = startFollower(context)
        #expect(await follower.waitUntilJoined(within: .seconds(10)))
        // Journaled, then the producer dies before sending them (kill -9 between journal and send).
        await server.close()
        (_, server) = try await startNotifyFeed(context, journaling: 4...5)
        let seen = await collect(follower, count: 2)
        #expect(seen == [4, 5])
        await follower.waitUntilClosed()
        await server.close()
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
