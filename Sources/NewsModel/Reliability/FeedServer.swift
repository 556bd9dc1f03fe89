import Dispatch
import Foundation
import Logging
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
    private let wake = WakeSignal()
    private let closed = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let snapshot = Mutex<[FeedGroupStatus]>([])
    private let pendingEntries = Mutex<[JournalEntry]>([])

    private init(endpoint: String, journal: Journal, producer: MessageProducer) {
        self.endpoint = endpoint
        self.journal = journal
        self.producer = producer
    }

    /// Binds the feed to `endpoint` and starts its thread.
    public static func bind(
        context: ZMQContext, endpoint: String, journal: Journal, producer: MessageProducer, logger: Logger
    ) async throws(TransportError) -> FeedServer {
        let server = FeedServer(endpoint: endpoint, journal: journal, producer: producer)
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
    public var groups: [FeedGroupStatus] { snapshot.withLock { $0 } }

    /// Stores the groups' positions, closes the socket and waits for the thread to end.
    public func close() async {
        closed.store(true, ordering: .sequentiallyConsistent)
        wake.signal()
        let finished = self.finished
        await DedicatedThread.run(name: "feed close") { finished.wait() }
    }

    // MARK: - The thread

    private func runThread(context: ZMQContext, logger: Logger, ready: (Result<Void, TransportError>) -> Void) {
        defer { finished.signal() }
        let opened = SocketSetup.open(context: context, type: .router, endpoint: endpoint) { socket in
            try socket.setMaxMessageSize(1 << 20)
            try socket.setRouterMandatory(true)
            try socket.setSendHighWaterMark(0)
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
            state = try FeedState(journal: journal, producer: producer, logger: logger)
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
        do {
            while !closed.load(ordering: .sequentiallyConsistent) {
                try poller.poll(timeoutMilliseconds: 200)
                wake.drain()
                if poller.events(at: socketItem).contains(.readable) {
                    while let frames = try socket.receive(dontWait: true) { state.handle(frames, socket: socket, clock: clock) }
                }
                state.cache(pendingEntries.withLock { entries in
                    defer { entries.removeAll(keepingCapacity: true) }
                    return entries
                })
                if clock.now >= nextHeartbeat {
                    state.expireSilentReplicas(clock: clock)
                    state.sendHeartbeats(socket)
                    state.savePositions()
                    nextHeartbeat = clock.now + Self.heartbeatInterval
                }
                if clock.now >= nextRetention {
                    state.enforceRetention(socket)
                    nextRetention = clock.now + .seconds(30)
                }
                state.dispatch(socket)
                snapshot.withLock { $0 = state.status }
            }
        } catch {
            if !error.isContextTerminated {
                logger.error("feed thread stopped", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
            }
        }
        state.savePositions()
    }
}

/// One consumer group as `status` shows it.
public struct FeedGroupStatus: Codable, Sendable, Hashable {
    /// The group's name.
    public var group: String
    /// Everything up to here is handled.
    public var position: UInt64
    /// Messages journaled but not yet handled by the group.
    public var backlog: UInt64
    /// Messages sent and not yet acknowledged.
    public var inFlight: Int
    /// The replicas connected now.
    public var replicas: [String]
}

/// The feed thread's bookkeeping: groups, replicas, in-flight messages, and a cache of recent entries.
/// Used only by the feed's thread.
struct FeedState {
    struct Replica {
        var id: Data
        var group: String
        var instance: String
        var window: Int
        var inFlight: Set<UInt64> = []
        var lastSeen: ContinuousClock.Instant
    }

    struct Group {
        var name: String
        var durable: Bool
        var topicPrefix: String?
        var position: UInt64
        var cursor: UInt64
        var acked: Set<UInt64> = []
        var redeliver: Set<UInt64> = []
        var dirty = false
        var roundRobin = 0
    }

    let journal: Journal
    let producer: MessageProducer
    let logger: Logger
    var stored: [String: UInt64]
    var groups: [String: Group] = [:]
    var replicas: [Data: Replica] = [:]
    var entries: [UInt64: JournalEntry] = [:]
    let cacheLimit = 10_000

    init(journal: Journal, producer: MessageProducer, logger: Logger) throws {
        self.journal = journal
        self.producer = producer
        self.logger = logger
        self.stored = try journal.groupPositions()
    }

    var status: [FeedGroupStatus] {
        let head = journal.lastSequence
        return groups.values.sorted { $0.name < $1.name }.map { group in
            let members = replicas.values.filter { $0.group == group.name }
            return FeedGroupStatus(
                group: group.name, position: group.position, backlog: head > group.position ? head - group.position : 0,
                inFlight: members.reduce(0) { $0 + $1.inFlight.count }, replicas: members.map(\.instance).sorted())
        }
    }

    mutating func cache(_ new: [JournalEntry]) {
        for entry in new { entries[entry.sequence] = entry }
        if entries.count > cacheLimit {
            let floor = groups.values.map(\.position).min() ?? journal.lastSequence
            entries = entries.filter { $0.key > floor }
            if entries.count > cacheLimit {
                // Keep the newest half: what a lagging group needs next is read back from the journal.
                let threshold = entries.keys.sorted()[entries.count - cacheLimit / 2]
                entries = entries.filter { $0.key >= threshold }
            }
        }
    }

    // MARK: Requests from consumers

    mutating func handle(_ frames: [Data], socket: ZMQSocket, clock: ContinuousClock) {
        guard frames.count >= 2 else { return }
        let id = frames[0]
        let kind = String(decoding: frames[1], as: UTF8.self)
        let body = frames.count > 2 ? frames[2] : Data()
        replicas[id]?.lastSeen = clock.now
        switch kind {
        case FeedFrame.hello:
            guard let hello = try? JSONDecoder().decode(FeedHello.self, from: body) else {
                logger.warning("feed: unreadable hello", metadata: ["body": "\(String(decoding: body, as: UTF8.self))"])
                return
            }
            register(id: id, hello: hello, clock: clock)
            skipDropped(socket)
        case FeedFrame.ping:
            if replicas[id] == nil {
                // A consumer this producer does not know (it restarted): ask it to greet again.
                let beat = FeedHeartbeat(
                    producer: producer.id, epoch: producer.epoch, head: journal.lastSequence, oldest: journal.oldestSequence,
                    group: "", position: 0, registered: false)
                if let body = try? JSONEncoder().encode(beat) {
                    _ = try? socket.send([id, Data(FeedFrame.heartbeat.utf8), body], dontWait: true)
                }
            }
        case FeedFrame.ack:
            guard let sequence = UInt64(String(decoding: body, as: UTF8.self)) else { return }
            acknowledge(sequence, from: id)
        case FeedFrame.bye:
            remove(replica: id)
        default:
            break
        }
    }

    mutating func register(id: Data, hello: FeedHello, clock: ContinuousClock) {
        // A replica that restarted under the same name hands its messages back first.
        for (otherID, other) in replicas where other.instance == hello.instance && other.group == hello.group && otherID != id {
            remove(replica: otherID)
        }
        if groups[hello.group] == nil {
            let start: UInt64
            if hello.durable, let position = stored[hello.group] {
                start = position
            } else if let resume = hello.resumeAfter {
                start = min(resume, journal.lastSequence)
            } else {
                start = hello.start == .latest ? journal.lastSequence : journal.oldestSequence - 1
            }
            groups[hello.group] = Group(
                name: hello.group, durable: hello.durable, topicPrefix: hello.topicPrefix, position: start, cursor: start + 1,
                dirty: hello.durable)
            logger.info("feed: group joined", metadata: ["group": "\(hello.group)", "position": "\(start)"])
        }
        if var existing = replicas[id] {
            existing.window = max(1, hello.window)
            existing.lastSeen = clock.now
            replicas[id] = existing
        } else {
            replicas[id] = Replica(id: id, group: hello.group, instance: hello.instance, window: max(1, hello.window), lastSeen: clock.now)
            logger.info("feed: replica joined", metadata: ["group": "\(hello.group)", "replica": "\(hello.instance)"])
        }
    }

    mutating func acknowledge(_ sequence: UInt64, from id: Data) {
        guard var replica = replicas[id] else { return }
        replica.inFlight.remove(sequence)
        replicas[id] = replica
        guard var group = groups[replica.group] else { return }
        group.redeliver.remove(sequence)
        if sequence > group.position {
            group.acked.insert(sequence)
            while group.acked.remove(group.position + 1) != nil {
                group.position += 1
                group.dirty = true
            }
        }
        groups[replica.group] = group
    }

    mutating func remove(replica id: Data) {
        guard let replica = replicas.removeValue(forKey: id) else { return }
        logger.info("feed: replica left", metadata: ["group": "\(replica.group)", "replica": "\(replica.instance)", "requeued": "\(replica.inFlight.count)"])
        groups[replica.group]?.redeliver.formUnion(replica.inFlight)
        if let group = groups[replica.group], !group.durable, !replicas.values.contains(where: { $0.group == group.name }) {
            groups[replica.group] = nil
        }
    }

    mutating func expireSilentReplicas(clock: ContinuousClock) {
        let deadline = clock.now - FeedServer.replicaTimeout
        for (id, replica) in replicas where replica.lastSeen < deadline { remove(replica: id) }
    }

    // MARK: Sending

    mutating func dispatch(_ socket: ZMQSocket) {
        let head = journal.lastSequence
        for name in Array(groups.keys) {
            while var group = groups[name] {
                let members = replicas.values.filter { $0.group == name && $0.inFlight.count < $0.window }.map(\.id)
                    .sorted { $0.lexicographicallyPrecedes($1) }
                guard !members.isEmpty else { break }
                let sequence: UInt64
                if let resend = group.redeliver.min() {
                    group.redeliver.remove(resend)
                    sequence = resend
                } else if group.cursor <= head {
                    sequence = group.cursor
                    group.cursor += 1
                } else {
                    break
                }
                group.roundRobin += 1
                let target = members[group.roundRobin % members.count]
                groups[name] = group
                let entry: JournalEntry
                switch lookup(sequence) {
                case .found(let found):
                    entry = found
                case .dropped:
                    // Retention removed it; skipDropped has told the group. Nothing to send.
                    markHandled(sequence, group: name)
                    continue
                case .unavailable:
                    // The journal could not be read just now: try again on the next round.
                    groups[name]?.redeliver.insert(sequence)
                    return
                }
                if let prefix = group.topicPrefix, !entry.topic.hasPrefix(prefix) {
                    markHandled(sequence, group: name)
                    continue
                }
                do {
                    try socket.send([target, Data(FeedFrame.message.utf8), Data(String(sequence).utf8), Data(entry.topic.utf8), entry.body])
                    replicas[target]?.inFlight.insert(sequence)
                } catch {
                    // The replica is gone (ROUTER_MANDATORY): its messages go to the rest of the group.
                    groups[name]?.redeliver.insert(sequence)
                    remove(replica: target)
                }
            }
        }
    }

    private mutating func markHandled(_ sequence: UInt64, group name: String) {
        guard var group = groups[name] else { return }
        if sequence > group.position { group.acked.insert(sequence) }
        while group.acked.remove(group.position + 1) != nil {
            group.position += 1
            group.dirty = true
        }
        groups[name] = group
    }

    enum Lookup {
        case found(JournalEntry)
        case dropped
        case unavailable
    }

    /// The journal entry `sequence`: from the cache, or read back from the journal with the entries
    /// after it. Never "dropped" unless retention really removed it.
    private mutating func lookup(_ sequence: UInt64) -> Lookup {
        if let cached = entries[sequence] { return .found(cached) }
        if sequence < journal.oldestSequence { return .dropped }
        do {
            let batch = try journal.entries(from: sequence, limit: 512)
            guard let first = batch.first, first.sequence == sequence else {
                if sequence < journal.oldestSequence { return .dropped }
                logger.error("feed: journal entry \(sequence) is missing; will retry")
                return .unavailable
            }
            cache(batch)
            return .found(first)
        } catch {
            logger.error("feed: cannot read journal entry \(sequence); will retry", metadata: ["error": "\(error)"])
            return .unavailable
        }
    }

    func sendHeartbeats(_ socket: ZMQSocket) {
        let encoder = JSONEncoder()
        for replica in replicas.values {
            let group = groups[replica.group]
            let beat = FeedHeartbeat(
                producer: producer.id, epoch: producer.epoch, head: journal.lastSequence, oldest: journal.oldestSequence,
                group: replica.group, position: group?.position ?? 0, registered: true)
            guard let body = try? encoder.encode(beat) else { continue }
            _ = try? socket.send([replica.id, Data(FeedFrame.heartbeat.utf8), body], dontWait: true)
        }
    }

    mutating func savePositions() {
        var dirty: [String: UInt64] = [:]
        for (name, group) in groups where group.durable && group.dirty {
            dirty[name] = group.position
            groups[name]?.dirty = false
        }
        do {
            try journal.saveGroupPositions(dirty)
            stored.merge(dirty) { $1 }
        } catch {
            logger.error("feed: could not store group positions", metadata: ["error": "\(error)"])
            for name in dirty.keys { groups[name]?.dirty = true }
        }
    }

    mutating func enforceRetention(_ socket: ZMQSocket) {
        do {
            let dropped = try journal.enforceRetention()
            if dropped > 0 { logger.info("feed: retention dropped journal entries", metadata: ["count": "\(dropped)"]) }
        } catch {
            logger.error("feed: retention failed", metadata: ["error": "\(error)"])
        }
        skipDropped(socket)
    }

    /// Moves every group that is behind the journal's oldest entry up to it, and tells its replicas.
    mutating func skipDropped(_ socket: ZMQSocket) {
        let oldest = journal.oldestSequence
        for (name, group) in groups where group.position + 1 < oldest {
            let problem = FeedProblem(
                code: "dropped",
                message: "group \(name) was at \(group.position) but the journal of \(producer.id) keeps only \(oldest) onwards; messages \(group.position + 1)-\(oldest - 1) were dropped by retention and are skipped")
            logger.error("\(problem.message)")
            if let body = try? JSONEncoder().encode(problem) {
                for replica in replicas.values where replica.group == name {
                    _ = try? socket.send([replica.id, Data(FeedFrame.problem.utf8), body], dontWait: true)
                }
            }
            groups[name]?.position = oldest - 1
            groups[name]?.cursor = max(group.cursor, oldest)
            groups[name]?.acked = group.acked.filter { $0 >= oldest }
            groups[name]?.dirty = true
        }
    }
}
