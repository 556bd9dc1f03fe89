import Foundation
import Logging
import NewsModel
import Synchronization

/// Drives a producer's feed state with frames a peer chose, as `make fuzz` does: the bytes are cut into
/// messages at line feeds and into frames at NUL bytes (`id`, `kind`, `body`), handed to a
/// ``FeedState`` over a small journal in memory, with dispatch, heartbeats, expiry and retention in
/// between. It must return for any input; a crash is a bug in what a feed peer can reach.
public enum FeedFrameReplay {
    /// Runs `data` through the feed state; returns how many messages were sent to peers.
    @discardableResult
    public static func run(_ data: Data) -> Int {
        var limits = FeedLimits()
        limits.maxReplicasPerGroup = 4
        limits.maxGroups = 4
        limits.replicaInFlightBytes = 64
        guard var state = try? FeedState(journal: ReplayJournal(), producer: MessageProducer(id: "fuzz", epoch: 1),
            logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }), limits: limits)
        else { return 0 }
        let start = ContinuousClock.now
        var sent = 0
        for (index, message) in data.split(separator: 0x0A, omittingEmptySubsequences: false).prefix(2_000).enumerated() {
            let frames = message.split(separator: 0x00, omittingEmptySubsequences: false).map { Data($0) }
            let now = start + .milliseconds(index * 700)
            sent += state.handle(frames, now: now).count
            state.dispatch(now: now) { target, _ in
                sent += 1
                switch target.first.map({ $0 % 3 }) {
                case 0: return .full
                case 1: return .unreachable
                default: return .sent
                }
            }
            if index % 7 == 0 {
                state.expireSilentReplicas(now: now)
                sent += state.heartbeats().count
                state.savePositions(now: Date())
            }
            if index % 29 == 0 {
                state.touchActiveGroups()
                sent += state.enforceRetention(now: Date()).count
            }
            _ = state.status
        }
        return sent
    }
}

/// Twenty entries in memory, with stored groups kept in memory too.
private final class ReplayJournal: FeedJournal, Sendable {
    let retention = JournalRetention(maxAge: .seconds(60), maxEntries: 20)
    private let groups = Mutex<[String: (position: UInt64, updatedAt: Date)]>([:])
    private let all = (1...20).map { JournalEntry(sequence: UInt64($0), topic: $0 % 2 == 0 ? "story.ingested" : "alert.x", body: Data(count: $0 * 10)) }

    var lastSequence: UInt64 { 20 }
    var oldestSequence: UInt64 { 1 }
    func entries(from sequence: UInt64, limit: Int) throws -> [JournalEntry] {
        Array(all.filter { $0.sequence >= sequence }.prefix(limit))
    }
    func storedGroups() throws -> [String: (position: UInt64, updatedAt: Date)] { groups.withLock { $0 } }
    func saveGroupPositions(_ positions: [String: UInt64]) throws {
        groups.withLock { groups in for (name, position) in positions { groups[name] = (position, Date()) } }
    }
    func removeGroups(_ names: [String]) throws { groups.withLock { groups in for name in names { groups[name] = nil } } }
    func enforceRetention(now: Date) throws -> Int { 0 }
}
