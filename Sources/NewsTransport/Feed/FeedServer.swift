import Dispatch
import Foundation
import Logging
import NewsModel
import Synchronization
import ZeroMQ

/// Serves a producer's journal to its consumer groups over a ROUTER socket on a ``SocketThread``.
///
/// Each group's replicas share the messages: every message goes to one replica of each group, at most
/// `window` unacknowledged per replica. A message is resent to another replica when its replica
/// leaves, restarts or falls silent for ``replicaTimeout``. A group's position (everything up to it
/// acknowledged) is stored in the journal, so a restarted producer resumes each group where it was, and
/// a restarted consumer misses nothing. A slow group holds messages in the journal, not in memory.
public final class FeedServer: Sendable {
    /// The endpoint the socket is bound to.
    public let endpoint: String
    /// How long a silent replica keeps its messages before they go to the rest of its group.
    public static let replicaTimeout: Duration = .seconds(5)
    /// How often heartbeats go out.
    public static let heartbeatInterval: Duration = .seconds(1)

    private let shared: Shared
    private let thread: SocketThread

    /// What the feed shares with its thread: entries journaled and not yet cached, and the status.
    fileprivate final class Shared: Sendable {
        let snapshot = Mutex<(groups: [FeedGroupStatus], counters: [String: Int])>(([], [:]))
        let pendingEntries = Mutex<[JournalEntry]>([])
    }

    private init(endpoint: String, shared: Shared, thread: SocketThread) {
        self.endpoint = endpoint
        self.shared = shared
        self.thread = thread
    }

    /// Binds the feed to `endpoint` and starts its thread.
    public static func bind(
        context: ZMQContext, endpoint: String, journal: Journal, producer: MessageProducer, limits: FeedLimits = FeedLimits(),
        logger: Logger
    ) async throws(TransportError) -> FeedServer {
        let shared = Shared()
        let thread = try await SocketThread.start(name: "feed \(endpoint)") { _ throws(TransportError) in
            try FeedServerLoop(
                context: context, endpoint: endpoint, journal: journal, producer: producer, limits: limits, shared: shared, logger: logger)
        }
        return FeedServer(endpoint: endpoint, shared: shared, thread: thread)
    }

    /// Tells the feed that entries were journaled, so it can send them without reading them back.
    public func appended(_ entries: [JournalEntry]) {
        guard !entries.isEmpty else { return }
        shared.pendingEntries.withLock { $0.append(contentsOf: entries) }
        thread.wake()
    }

    /// Every group's position, backlog and replicas, for `status`.
    public var groups: [FeedGroupStatus] { shared.snapshot.withLock { $0.groups } }

    /// Acknowledgements and greetings refused, and durable groups expired, for `status`.
    public var counters: [String: Int] { shared.snapshot.withLock { $0.counters } }

    /// Stores the groups' positions, closes the socket and waits for the thread to end.
    public func close() async {
        thread.stop()
        await thread.waitUntilEnded()
    }
}

/// The feed's side of its thread: greetings, acknowledgements and pings in, messages and heartbeats
/// out, the state machine (``FeedState``) in between, and its timers.
private struct FeedServerLoop: SocketLoop {
    let socket: ZMQSocket
    let endpoint: String
    let journal: Journal
    let shared: FeedServer.Shared
    let logger: Logger
    let sockets: [ZMQSocket]
    var state: FeedState
    let clock = ContinuousClock()
    var nextHeartbeat: ContinuousClock.Instant
    var nextRetention: ContinuousClock.Instant
    var nextSnapshot: ContinuousClock.Instant
    /// Timers are checked at least this often.
    var pollTimeout: Duration? { .milliseconds(200) }

    init(
        context: ZMQContext, endpoint: String, journal: Journal, producer: MessageProducer, limits: FeedLimits,
        shared: FeedServer.Shared, logger: Logger
    ) throws(TransportError) {
        socket = try SocketSetup.bind(context: context, type: .router, endpoint: endpoint) { socket in
            try socket.setMaxMessageSize(1 << 20)
            try socket.setRouterMandatory(true)
            // Per consumer: its window of messages and its heartbeats; a consumer that stops reading
            // fills its queue, and then gets nothing more until it reads.
            try socket.setSendHighWaterMark(Int32(limits.maxWindow + 1_024))
            try socket.setLinger(milliseconds: 500)
        }
        do {
            state = try FeedState(journal: journal, producer: producer, logger: logger, limits: limits)
        } catch {
            SocketSetup.closeBound(socket, endpoint: endpoint)
            throw TransportError(code: .zeroMQ, endpoint: endpoint, message: "cannot read the journal: \(error)")
        }
        sockets = [socket]
        self.endpoint = endpoint
        self.journal = journal
        self.shared = shared
        self.logger = logger
        nextHeartbeat = clock.now
        nextRetention = clock.now + .seconds(30)
        nextSnapshot = clock.now
    }

    func send(_ sends: [FeedSend]) {
        for item in sends { _ = try? socket.send([item.to] + item.frames, dontWait: true) }
    }

    /// Logs, once, a journal whose file was pulled away (``Journal/checkStorage()``).
    func checkStorage() {
        guard journal.storageProblem == nil else { return }
        do {
            try journal.checkStorage()
        } catch {
            logger.critical("\(error.message)")
        }
    }

    mutating func turn(_ events: SocketEvents) throws(ZMQError) {
        if events.isReadable(0) {
            // A bounded number per round, so that a flood of frames never starves dispatch.
            var handled = 0
            while handled < 10_000, let frames = try socket.receive(dontWait: true) {
                send(state.handle(frames, now: clock.now))
                handled += 1
            }
        }
        state.cache(
            shared.pendingEntries.withLock { entries in
                defer { entries.removeAll(keepingCapacity: true) }
                return entries
            })
        if clock.now >= nextHeartbeat {
            checkStorage()
            state.expireSilentReplicas(now: clock.now)
            send(state.heartbeats())
            state.savePositions(now: Date())
            nextHeartbeat = clock.now + FeedServer.heartbeatInterval
        }
        if clock.now >= nextRetention {
            state.touchActiveGroups()
            send(state.enforceRetention(now: Date()))
            nextRetention = clock.now + .seconds(30)
        }
        let socket = self.socket
        state.dispatch(now: clock.now) { target, frames in
            do {
                return try socket.send([target] + frames, dontWait: true) ? .sent : .full
            } catch {
                return .unreachable
            }
        }
        if clock.now >= nextSnapshot {
            let status = (state.status, state.counters)
            shared.snapshot.withLock { $0 = status }
            nextSnapshot = clock.now + .milliseconds(100)
        }
    }

    mutating func finish(after error: ZMQError?) {
        error?.logUnlessShutdown(logger, "feed thread", endpoint: endpoint)
        state.savePositions(now: Date())
        SocketSetup.closeBound(socket, endpoint: endpoint)
    }
}
