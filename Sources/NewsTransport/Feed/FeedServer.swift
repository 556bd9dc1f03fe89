import Dispatch
import Foundation
import Logging
import NewsModel
import Synchronization
import ZeroMQ

/// Serves a producer's journal to its consumer groups over a ROUTER socket on a dedicated thread.
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

    private let journal: Journal
    private let producer: MessageProducer
    private let limits: FeedLimits
    private let wake = WakeSignal()
    private let closed = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let snapshot = Mutex<(groups: [FeedGroupStatus], counters: [String: Int])>(([], [:]))
    private let pendingEntries = Mutex<[JournalEntry]>([])

    private init(endpoint: String, journal: Journal, producer: MessageProducer, limits: FeedLimits) {
        self.endpoint = endpoint
        self.journal = journal
        self.producer = producer
        self.limits = limits
    }

    /// Binds the feed to `endpoint` and starts its thread.
    public static func bind(
        context: ZMQContext, endpoint: String, journal: Journal, producer: MessageProducer, limits: FeedLimits = FeedLimits(),
        logger: Logger
    ) async throws(TransportError) -> FeedServer {
        let server = FeedServer(endpoint: endpoint, journal: journal, producer: producer, limits: limits)
        let ready: Result<Void, TransportError> = await withCheckedContinuation { continuation in
            DedicatedThread.start(name: "feed \(endpoint)") {
                server.runThread(context: context, logger: logger, ready: { continuation.resume(returning: $0) })
            }
        }
        try ready.get()
        return server
    }

    /// Tells the feed that entries were journaled, so it can send them without reading them back.
    public func appended(_ entries: [JournalEntry]) {
        guard !entries.isEmpty else { return }
        pendingEntries.withLock { $0.append(contentsOf: entries) }
        wake.signal()
    }

    /// Every group's position, backlog and replicas, for `status`.
    public var groups: [FeedGroupStatus] { snapshot.withLock { $0.groups } }

    /// Acknowledgements and greetings refused, and durable groups expired, for `status`.
    public var counters: [String: Int] { snapshot.withLock { $0.counters } }

    /// Stores the groups' positions, closes the socket and waits for the thread to end.
    public func close() async {
        closed.store(true, ordering: .sequentiallyConsistent)
        wake.signal()
        let finished = self.finished
        await DedicatedThread.run(name: "feed close") { finished.wait() }
    }

    // MARK: - The thread

    /// Logs, once, a journal whose file was pulled away (``Journal/checkStorage()``).
    private func checkStorage(_ logger: Logger) {
        guard journal.storageProblem == nil else { return }
        do {
            try journal.checkStorage()
        } catch {
            logger.critical("\(error.message)")
        }
    }

    private func runThread(context: ZMQContext, logger: Logger, ready: (Result<Void, TransportError>) -> Void) {
        defer { finished.signal() }
        let opened = SocketSetup.open(context: context, type: .router, endpoint: endpoint) { socket in
            try socket.setMaxMessageSize(1 << 20)
            try socket.setRouterMandatory(true)
            // Per consumer: its window of messages and its heartbeats; a consumer that stops reading
            // fills its queue, and then gets nothing more until it reads.
            try socket.setSendHighWaterMark(Int32(limits.maxWindow + 1_024))
            try socket.setLinger(milliseconds: 500)
            try Endpoint.bindExclusively(socket, to: endpoint)
        }
        guard case .success(let socket) = opened else {
            if case .failure(let error) = opened { ready(.failure(error)) }
            return
        }
        defer {
            socket.close()
            Endpoint.removeSocketFile(of: endpoint)
        }
        var state: FeedState
        do {
            state = try FeedState(journal: journal, producer: producer, logger: logger, limits: limits)
        } catch {
            ready(.failure(TransportError(code: .zeroMQ, endpoint: endpoint, message: "cannot read the journal: \(error)")))
            return
        }
        ready(.success(()))

        var poller = ZMQPoller()
        let socketItem = poller.add(socket, events: .readable)
        _ = poller.add(fileDescriptor: wake.fileDescriptor, events: .readable)
        let clock = ContinuousClock()
        var nextHeartbeat = clock.now
        var nextRetention = clock.now + .seconds(30)
        var nextSnapshot = clock.now
        func send(_ sends: [FeedSend]) {
            for item in sends { _ = try? socket.send([item.to] + item.frames, dontWait: true) }
        }
        do {
            while !closed.load(ordering: .sequentiallyConsistent) {
                try poller.poll(timeoutMilliseconds: 200)
                wake.drain()
                if poller.events(at: socketItem).contains(.readable) {
                    // A bounded number per round, so that a flood of frames never starves dispatch.
                    var handled = 0
                    while handled < 10_000, let frames = try socket.receive(dontWait: true) {
                        send(state.handle(frames, now: clock.now))
                        handled += 1
                    }
                }
                state.cache(pendingEntries.withLock { entries in
                    defer { entries.removeAll(keepingCapacity: true) }
                    return entries
                })
                if clock.now >= nextHeartbeat {
                    checkStorage(logger)
                    state.expireSilentReplicas(now: clock.now)
                    send(state.heartbeats())
                    state.savePositions(now: Date())
                    nextHeartbeat = clock.now + Self.heartbeatInterval
                }
                if clock.now >= nextRetention {
                    state.touchActiveGroups()
                    send(state.enforceRetention(now: Date()))
                    nextRetention = clock.now + .seconds(30)
                }
                state.dispatch(now: clock.now) { target, frames in
                    do {
                        return try socket.send([target] + frames, dontWait: true) ? .sent : .full
                    } catch {
                        return .unreachable
                    }
                }
                if clock.now >= nextSnapshot {
                    snapshot.withLock { $0 = (state.status, state.counters) }
                    nextSnapshot = clock.now + .milliseconds(100)
                }
            }
        } catch {
            if !error.isContextTerminated {
                logger.error("feed thread stopped", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
            }
        }
        state.savePositions(now: Date())
    }
}

