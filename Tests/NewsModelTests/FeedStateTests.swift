import Foundation
import Logging
import NewsModel
@testable import NewsTransport
import Synchronization
import Testing

/// A journal in memory, for driving ``FeedState`` without SQLite.
final class MemoryJournal: FeedJournal, Sendable {
    private let state = Mutex<(entries: [JournalEntry], groups: [String: (position: UInt64, updatedAt: Date)])>(([], [:]))
    let retention: JournalRetention

    init(count: Int, bodyBytes: Int = 10, retention: JournalRetention = .standard) {
        self.retention = retention
        state.withLock { state in
            state.entries = (1...UInt64(max(1, count))).prefix(count).map {
                JournalEntry(sequence: $0, topic: "story.ingested", body: Data(repeating: 0x61, count: bodyBytes))
            }
        }
    }

    var lastSequence: UInt64 { state.withLock { $0.entries.last?.sequence ?? 0 } }
    var oldestSequence: UInt64 { state.withLock { $0.entries.first?.sequence ?? 1 } }
    var positions: [String: UInt64] { state.withLock { $0.groups.mapValues(\.position) } }

    func entries(from sequence: UInt64, limit: Int) throws -> [JournalEntry] {
        state.withLock { Array($0.entries.filter { $0.sequence >= sequence }.prefix(limit)) }
    }
    func storedGroups() throws -> [String: (position: UInt64, updatedAt: Date)] { state.withLock { $0.groups } }
    func saveGroupPositions(_ positions: [String: UInt64]) throws {
        state.withLock { state in
            for (name, position) in positions { state.groups[name] = (position, Date()) }
        }
    }
    func store(group: String, position: UInt64, updatedAt: Date) {
        state.withLock { $0.groups[group] = (position, updatedAt) }
    }
    func removeGroups(_ names: [String]) throws { state.withLock { state in for name in names { state.groups[name] = nil } } }
    func enforceRetention(now: Date) throws -> Int { 0 }
}

/// The feed's state machine alone: no sockets, no sleeps; time is passed in.
@Suite("Feed state")
struct FeedStateTests {
    let now = ContinuousClock().now

    func makeState(_ journal: MemoryJournal, limits: FeedLimits = FeedLimits()) throws -> FeedState {
        try FeedState(journal: journal, producer: MessageProducer(id: "tag-0", epoch: 7), logger: Logger(label: "test"), limits: limits)
    }

    func hello(_ group: String, _ instance: String, window: Int = 256, durable: Bool = true) -> Data {
        try! JSONEncoder().encode(FeedHello(group: group, instance: instance, window: window, start: .earliest, durable: durable))
    }

    func frames(_ id: String, _ kind: String, _ body: Data = Data()) -> [Data] { [Data(id.utf8), Data(kind.utf8), body] }

    /// Runs one dispatch round; returns the sequence numbers sent, per consumer.
    func dispatch(_ state: inout FeedState, full: Set<String> = []) -> [String: [UInt64]] {
        var sent: [String: [UInt64]] = [:]
        state.dispatch(now: now) { target, frames in
            let name = String(decoding: target, as: UTF8.self)
            if full.contains(name) { return .full }
            sent[name, default: []].append(UInt64(String(decoding: frames[1], as: UTF8.self))!)
            return .sent
        }
        return sent
    }

    @Test("a peer that greets the index group and acks sequences it never received cannot move the position")
    func forgedAcksAreRefused() throws {
        let journal = MemoryJournal(count: 300)
        var state = try makeState(journal)
        _ = state.handle(frames("real", FeedFrame.hello, hello("index", "index-0", window: 10)), now: now)
        let sentToReal = dispatch(&state)["real"] ?? []
        #expect(sentToReal == Array(1...10))
        // The rogue joins the same group and acks far ahead, and what it was never sent.
        _ = state.handle(frames("rogue", FeedFrame.hello, hello("index", "rogue", window: 1)), now: now)
        for sequence in [11, 50, 299, 300, 1000, 5] {
            _ = state.handle(frames("rogue", FeedFrame.ack, Data(String(sequence).utf8)), now: now)
        }
        // A stranger that never greeted.
        _ = state.handle(frames("stranger", FeedFrame.ack, Data("1".utf8)), now: now)
        #expect(state.groups["index"]?.position == 0)
        #expect(state.rejectedAcks == 7)
        // The real replica's acks count.
        for sequence in 1...10 { _ = state.handle(frames("real", FeedFrame.ack, Data(String(sequence).utf8)), now: now) }
        #expect(state.groups["index"]?.position == 10)
        // An ack of a message in flight to another replica is refused too.
        let round = dispatch(&state)
        let rogueSequence = try #require(round["rogue"]?.first)
        _ = state.handle(frames("real", FeedFrame.ack, Data(String(rogueSequence).utf8)), now: now)
        #expect(state.rejectedAcks == 8)
        #expect(state.replicas[Data("rogue".utf8)]?.inFlight[rogueSequence] != nil)
    }

    @Test("acks route by a producer's stable id, not by its place in a list that shrinks")
    func acksFollowTheirProducer() {
        var ids = FeedSourceIDs()
        let a = ids.add("ipc:///run/tag-0.feed")
        _ = ids.add("ipc:///run/tag-1.feed")
        let c = ids.add("ipc:///run/tag-2.feed")
        // tag-0's socket file disappears: the list shrinks, and the ack for tag-2's message still goes to tag-2.
        ids.remove("ipc:///run/tag-0.feed")
        #expect(ids.endpoint(of: c) == "ipc:///run/tag-2.feed")
        #expect(ids.endpoint(of: a) == nil)
        // tag-0 returns under a new id: an ack queued for its earlier life goes nowhere.
        let again = ids.add("ipc:///run/tag-0.feed")
        #expect(again != a)
        #expect(ids.endpoint(of: a) == nil)
    }

    @Test("a window of a billion is cut to the limit, and in-flight bytes stay within the budget")
    func windowsAndBytesAreBounded() throws {
        var limits = FeedLimits()
        limits.replicaInFlightBytes = 100_000
        let journal = MemoryJournal(count: 5_000, bodyBytes: 1_000)
        var state = try makeState(journal, limits: limits)
        _ = state.handle(frames("greedy", FeedFrame.hello, hello("index", "index-0", window: 1_000_000_000)), now: now)
        #expect(state.replicas[Data("greedy".utf8)]?.window == limits.maxWindow)
        let sent = dispatch(&state)["greedy"] ?? []
        #expect(sent.count == 100, "100 messages of 1,000 bytes fill a 100,000-byte budget")
        #expect(state.totalInFlightBytes == 100_000)
        #expect(dispatch(&state).isEmpty)
    }

    @Test("replicas per group and groups per producer are capped, and refusals say so")
    func replicasAndGroupsAreCapped() throws {
        var limits = FeedLimits()
        limits.maxReplicasPerGroup = 3
        limits.maxGroups = 4
        let journal = MemoryJournal(count: 10)
        var state = try makeState(journal, limits: limits)
        for index in 0..<9_000 {
            _ = state.handle(frames("r\(index)", FeedFrame.hello, hello("index", "index-\(index)")), now: now)
        }
        #expect(state.groups["index"]?.members.count == 3)
        #expect(state.replicas.count == 3)
        #expect(state.refusedHellos == 8_997)
        var refusals: [FeedSend] = []
        for index in 0..<10 {
            refusals += state.handle(frames("g\(index)", FeedFrame.hello, hello("group-\(index)", "x", durable: false)), now: now)
        }
        #expect(state.groups.count == 4)
        #expect(refusals.contains { String(decoding: $0.frames[1], as: UTF8.self).contains("too_many_groups") })
        // Dispatch cost does not grow with refused peers: one round sends the ten messages once each.
        let sent = dispatch(&state)
        #expect(sent.values.filter { $0.count > 0 }.isEmpty == false)
        #expect(sent.filter { $0.key.hasPrefix("r") }.values.reduce(0) { $0 + $1.count } == 10)
    }

    @Test("a consumer whose queue is full gets nothing more this round, and the rest of its group does")
    func fullQueuesAreSkipped() throws {
        let journal = MemoryJournal(count: 20)
        var state = try makeState(journal)
        _ = state.handle(frames("stuck", FeedFrame.hello, hello("tag", "tag-0")), now: now)
        _ = state.handle(frames("live", FeedFrame.hello, hello("tag", "tag-1")), now: now)
        let sent = dispatch(&state, full: ["stuck"])
        #expect(sent["stuck"] == nil)
        #expect(sent["live"]?.count == 20)
    }

    @Test("a durable group nobody reads for longer than retention is forgotten, and status says so")
    func idleDurableGroupsExpire() throws {
        let journal = MemoryJournal(count: 10, retention: JournalRetention(maxAge: .seconds(3600)))
        journal.store(group: "abandoned", position: 3, updatedAt: Date().addingTimeInterval(-7200))
        journal.store(group: "index", position: 5, updatedAt: Date().addingTimeInterval(-7200))
        var state = try makeState(journal)
        _ = state.handle(frames("reader", FeedFrame.hello, hello("index", "index-0")), now: now)
        state.touchActiveGroups()
        state.savePositions(now: Date())
        _ = state.enforceRetention(now: Date())
        #expect(journal.positions["abandoned"] == nil)
        #expect(journal.positions["index"] == 5)
        #expect(state.counters["feed_groups_expired"] == 1)
    }

    @Test("a replica that leaves hands its messages to the rest of its group")
    func leavingReplicaRequeues() throws {
        let journal = MemoryJournal(count: 4)
        var state = try makeState(journal)
        _ = state.handle(frames("a", FeedFrame.hello, hello("tag", "tag-0", window: 2)), now: now)
        #expect(dispatch(&state)["a"] == [1, 2])
        _ = state.handle(frames("b", FeedFrame.hello, hello("tag", "tag-1", window: 4)), now: now)
        _ = state.handle(frames("a", FeedFrame.bye), now: now)
        #expect(Set(dispatch(&state)["b"] ?? []) == [1, 2, 3, 4])
        #expect(state.totalInFlightBytes == 40)
    }
}
