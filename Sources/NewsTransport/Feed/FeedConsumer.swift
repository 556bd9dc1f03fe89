import Dispatch
import Foundation
import Logging
import NewsModel
import Synchronization
import ZeroMQ

/// The producers a consumer reads from: fixed endpoints, and `ipc://` feeds found by name in a
/// directory (so replicas started later are picked up while the stream flows).
public struct FeedSources: Sendable, Hashable {
    /// Endpoints given explicitly (such as `tcp://` ones).
    public var endpoints: [String]
    /// A directory to scan, and the file-name prefix and suffix of the feeds in it.
    public var directory: (path: String, prefix: String, suffix: String)?

    /// Sources given as a list.
    public init(endpoints: [String]) {
        self.endpoints = endpoints
        self.directory = nil
    }

    /// Sources found in a directory, such as every `tag-*.feed` in the run directory.
    public init(directory: String, prefix: String, suffix: String = ".feed") {
        self.endpoints = []
        self.directory = (directory, prefix, suffix)
    }

    /// The endpoints there are now.
    public func resolve() -> [String] {
        var result = endpoints
        if let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) {
            for name in names.sorted() where name.hasPrefix(directory.prefix) && name.hasSuffix(directory.suffix) {
                let endpoint = "ipc://\(directory.path)/\(name)"
                if !result.contains(endpoint) { result.append(endpoint) }
            }
        }
        return result
    }

    public static func == (lhs: FeedSources, rhs: FeedSources) -> Bool {
        lhs.endpoints == rhs.endpoints && lhs.directory?.path == rhs.directory?.path
            && lhs.directory?.prefix == rhs.directory?.prefix && lhs.directory?.suffix == rhs.directory?.suffix
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(endpoints)
        hasher.combine(directory?.path)
        hasher.combine(directory?.prefix)
    }
}

/// Reads one or more producers' feeds as a member of a consumer group, on a ``SocketThread``.
///
/// Messages arrive through ``deliveries``; the consumer calls ``Delivery/acknowledge()`` once a message
/// is fully handled (its effect stored), and only then does the producer count it as done. A message
/// not acknowledged is sent again, to this replica or another, so every message is handled at least
/// once: handlers must be idempotent (the stages' are, by story id).
public final class FeedConsumer: Sendable {
    /// A message to handle.
    public struct Delivery: Sendable {
        /// The producer's sequence number.
        public let sequence: UInt64
        /// The decoded message, or nil when it did not decode (``decodeError`` says why).
        public let message: InboundMessage?
        /// Why the message did not decode.
        public let decodeError: WireError?
        /// The endpoint of the producer it came from: with ``sequence``, a cursor a non-durable reader
        /// can resume after (``FeedConsumer/start(context:sources:hello:resumeAfter:logger:)``).
        public let endpoint: String
        /// The stable id of the producer it came from (see ``FeedSourceIDs``): its ack goes there or nowhere.
        let source: FeedSourceIDs.ID
        let shared: Shared
        let thread: SocketThread

        /// Tells the producer the message is handled.
        public func acknowledge() {
            shared.acks.withLock { $0.append((source, sequence)) }
            thread.wake()
        }
    }

    /// What the consumer shares with its thread: acknowledgements to send and the sources' status.
    final class Shared: Sendable {
        let acks = Mutex<[(source: FeedSourceIDs.ID, sequence: UInt64)]>([])
        let statuses = Mutex<[FeedSourceStatus]>([])
        let startPositions = Mutex<[String: UInt64]>([:])
    }

    /// The messages to handle, in batches of what arrived together; the sequence ends after ``close()``.
    public let deliveries: AsyncStream<[Delivery]>
    /// The greeting this consumer sends.
    public let hello: FeedHello

    private let shared: Shared
    private let thread: SocketThread

    private init(hello: FeedHello, deliveries: AsyncStream<[Delivery]>, shared: Shared, thread: SocketThread) {
        self.hello = hello
        self.deliveries = deliveries
        self.shared = shared
        self.thread = thread
    }

    /// Starts a consumer of `sources` with greeting `hello`. A non-durable consumer resumes after the
    /// sequence `resumeAfter` gives for a producer's endpoint (its last delivery's cursor, kept by the
    /// reader across its own restarts), and starts as `hello` says on the others.
    public static func start(
        context: ZMQContext, sources: FeedSources, hello: FeedHello, resumeAfter: [String: UInt64] = [:], logger: Logger
    ) -> FeedConsumer {
        let (deliveries, continuation) = AsyncStream<[Delivery]>.makeStream(bufferingPolicy: .unbounded)
        let shared = Shared()
        let thread = SocketThread.launch(name: "feed-consumer \(hello.group)") { thread in
            FeedConsumerLoop(
                context: context, sources: sources, hello: hello, resumeAfter: resumeAfter, thread: thread, shared: shared,
                output: continuation, logger: logger)
        }
        return FeedConsumer(hello: hello, deliveries: deliveries, shared: shared, thread: thread)
    }

    /// Each producer's head, position and lag.
    public var sourceStatus: [FeedSourceStatus] { shared.statuses.withLock { $0 } }

    /// The total lag over every producer.
    public var lag: UInt64 { sourceStatus.reduce(0) { $0 + $1.lag } }

    /// For each producer endpoint that registered this non-durable reader before sending it anything:
    /// the sequence the reader started after. Every delivery from that endpoint comes after it, so it
    /// is a safe resume point for a reader that has not yet had a message from there.
    public var startPositions: [String: UInt64] { shared.startPositions.withLock { $0 } }

    /// Waits until every producer found has registered this consumer's group (so that a reader
    /// starting at `.latest` is given everything produced from then on), or `limit` has passed.
    /// - Returns: whether every producer has; false when none was found or one did not answer in time.
    public func waitUntilJoined(within limit: Duration? = nil) async -> Bool {
        let clock = ContinuousClock()
        let deadline = limit.map { clock.now + $0 }
        while true {
            let status = sourceStatus
            if !status.isEmpty && status.allSatisfy(\.connected) { return true }
            if let deadline, clock.now >= deadline { return false }
            do { try await Task.sleep(for: .milliseconds(25)) } catch { return false }
        }
    }

    /// Stops reading: the thread says goodbye to the producers (so they resend what is unacknowledged at
    /// once), closes the sockets and ends ``deliveries``. Acknowledgements queued before the thread ends
    /// are still sent.
    public func close() {
        thread.stop()
    }

    /// Waits until the thread has said goodbye and closed its sockets.
    public func waitUntilClosed() async {
        close()
        await thread.waitUntilEnded()
    }
}

/// The consumer's side of its thread: one DEALER per producer, found again every second; greetings,
/// acknowledgements and pings out, messages, heartbeats and problems in.
private struct FeedConsumerLoop: SocketLoop {
    struct Source {
        var id: FeedSourceIDs.ID
        var endpoint: String
        var socket: ZMQSocket
        var heartbeat: FeedHeartbeat?
        var lastHeard: ContinuousClock.Instant
        var lastHello: ContinuousClock.Instant
        var lastReceived: UInt64?
        var problem: String?
    }

    let context: ZMQContext
    let sources: FeedSources
    let hello: FeedHello
    let thread: SocketThread
    let shared: FeedConsumer.Shared
    let output: AsyncStream<[FeedConsumer.Delivery]>.Continuation
    let logger: Logger
    let clock = ContinuousClock()
    let codec = WireCodec()
    var connected: [Source] = []
    var ids = FeedSourceIDs()
    /// The last sequence received from each endpoint, kept when its socket file vanishes for a moment
    /// (a producer restarting removes and binds it again): a follower then resumes where it was
    /// instead of at the producer's head.
    var lastReceived: [String: UInt64] = [:]
    var nextScan: ContinuousClock.Instant
    var nextPing: ContinuousClock.Instant
    /// The status snapshot is made again only when a source's state changed (or once a second, for
    /// its `connected`), not on every pass.
    var statusStale = true

    var sockets: [ZMQSocket] { connected.map(\.socket) }
    /// Pings and the scan for new producers run at least this often.
    var pollTimeout: Duration? { .milliseconds(250) }

    init(
        context: ZMQContext, sources: FeedSources, hello: FeedHello, resumeAfter: [String: UInt64], thread: SocketThread,
        shared: FeedConsumer.Shared, output: AsyncStream<[FeedConsumer.Delivery]>.Continuation, logger: Logger
    ) {
        lastReceived = resumeAfter
        self.context = context
        self.sources = sources
        self.hello = hello
        self.thread = thread
        self.shared = shared
        self.output = output
        self.logger = logger
        nextScan = clock.now
        nextPing = clock.now
        scanIfDue()
        publishStatus()
    }

    mutating func greet(_ index: Int) {
        var greeting = hello
        if !hello.durable { greeting.resumeAfter = connected[index].lastReceived }
        let body = (try? JSONEncoder().encode(greeting)) ?? Data()
        _ = try? connected[index].socket.send([Data(FeedFrame.hello.utf8), body], dontWait: true)
        connected[index].lastHello = clock.now
    }

    /// Connects to producers that appeared and lets go of those whose socket file is gone.
    mutating func scanIfDue() {
        guard clock.now >= nextScan else { return }
        let current = sources.resolve()
        // A replica stopped cleanly removes its socket file: stop reading it.
        for index in connected.indices.reversed() where !current.contains(connected[index].endpoint) {
            _ = try? connected[index].socket.send([Data(FeedFrame.bye.utf8), Data()], dontWait: true)
            connected[index].socket.close()
            logger.info("feed: \(connected[index].endpoint) is gone", metadata: ["group": "\(hello.group)"])
            ids.remove(connected[index].endpoint)
            if let last = connected[index].lastReceived { lastReceived[connected[index].endpoint] = last }
            connected.remove(at: index)
            statusStale = true
        }
        for endpoint in current where !connected.contains(where: { $0.endpoint == endpoint }) {
            do {
                let socket = try SocketSetup.open(context: context, type: .dealer, endpoint: endpoint) { socket in
                    try socket.setMaxMessageSize(64 << 20)
                    try socket.setLinger(milliseconds: 200)
                    try socket.setReceiveHighWaterMark(0)
                    try Endpoint.validate(endpoint)
                    try socket.connect(endpoint)
                }
                connected.append(
                    Source(
                        id: ids.add(endpoint), endpoint: endpoint, socket: socket, heartbeat: nil, lastHeard: clock.now,
                        lastHello: clock.now, lastReceived: lastReceived[endpoint]))
                greet(connected.count - 1)
                statusStale = true
                logger.info("feed: reading \(endpoint)", metadata: ["group": "\(hello.group)"])
            } catch {
                logger.error("feed: cannot read \(endpoint): \(error.message)")
            }
        }
        nextScan = clock.now + .seconds(1)
    }

    /// Sends the queued acknowledgements, each to the producer its message came from; one whose
    /// producer is gone is dropped (that producer resends the message to its group).
    func sendAcks() {
        let pending = shared.acks.withLock { acks in
            defer { acks.removeAll() }
            return acks
        }
        for ack in pending {
            guard let endpoint = ids.endpoint(of: ack.source), let source = connected.first(where: { $0.endpoint == endpoint }) else {
                continue
            }
            // Never block on a producer that is down: a lost ack only means the message comes again.
            _ = try? source.socket.send([Data(FeedFrame.ack.utf8), Data(String(ack.sequence).utf8)], dontWait: true)
        }
    }

    /// Reads what producer `index` sent, adding its messages to `batch`.
    mutating func receive(from index: Int, into batch: inout [FeedConsumer.Delivery]) {
        while let frames = try? connected[index].socket.receive(dontWait: true) {
            connected[index].lastHeard = clock.now
            guard let kind = frames.first.map({ String(decoding: $0, as: UTF8.self) }) else { continue }
            switch kind {
            case FeedFrame.message where frames.count == 4:
                guard let sequence = UInt64(String(decoding: frames[1], as: UTF8.self)) else { continue }
                connected[index].lastReceived = max(connected[index].lastReceived ?? 0, sequence)
                let source = connected[index].id
                let endpoint = connected[index].endpoint
                do {
                    let message = try codec.decode([frames[2], frames[3]])
                    batch.append(
                        FeedConsumer.Delivery(
                            sequence: sequence, message: message, decodeError: nil, endpoint: endpoint, source: source, shared: shared,
                            thread: thread))
                } catch {
                    batch.append(
                        FeedConsumer.Delivery(
                            sequence: sequence, message: nil, decodeError: error, endpoint: endpoint, source: source, shared: shared,
                            thread: thread))
                }
            case FeedFrame.heartbeat:
                guard let beat = try? JSONDecoder().decode(FeedHeartbeat.self, from: frames.count > 1 ? frames[1] : Data()) else { continue }
                let restarted = connected[index].heartbeat.map { $0.epoch != beat.epoch } ?? false
                if beat.registered {
                    connected[index].heartbeat = beat
                    statusStale = true
                    // A non-durable reader given nothing yet resumes from where it joined, so a producer
                    // that restarts before its first message reaches us (forgetting the group) sends
                    // what it made since, instead of starting the reader at its new head.
                    if !hello.durable, connected[index].lastReceived == nil {
                        connected[index].lastReceived = beat.position
                        let endpoint = connected[index].endpoint
                        shared.startPositions.withLock { $0[endpoint] = beat.position }
                    }
                }
                if !beat.registered || restarted {
                    greet(index)
                }
            case FeedFrame.problem:
                let body = frames.count > 1 ? frames[1] : Data()
                let problem = (try? JSONDecoder().decode(FeedProblem.self, from: body))?.message
                    ?? String(decoding: body, as: UTF8.self)
                connected[index].problem = problem
                statusStale = true
                logger.error("feed: producer at \(connected[index].endpoint) reports: \(problem)")
            default:
                continue
            }
        }
    }

    mutating func publishStatus() {
        guard statusStale else { return }
        statusStale = false
        let now = clock.now
        let statuses = connected.map { source in
            let head = source.heartbeat?.head ?? 0
            let position = source.heartbeat?.position ?? 0
            return FeedSourceStatus(
                endpoint: source.endpoint, producer: source.heartbeat?.producer, head: head, position: position,
                lag: head > position ? head - position : 0,
                connected: source.heartbeat != nil && now - source.lastHeard < .seconds(3), problem: source.problem)
        }
        shared.statuses.withLock { $0 = statuses }
    }

    mutating func turn(_ events: SocketEvents) throws(ZMQError) {
        sendAcks()
        var batch: [FeedConsumer.Delivery] = []
        for index in connected.indices where events.isReadable(index) {
            receive(from: index, into: &batch)
        }
        if !batch.isEmpty { output.yield(batch) }
        if clock.now >= nextPing {
            for index in connected.indices {
                _ = try? connected[index].socket.send([Data(FeedFrame.ping.utf8), Data()], dontWait: true)
                // A producer silent for three heartbeats may have restarted without us noticing.
                if clock.now - connected[index].lastHeard > .seconds(3), clock.now - connected[index].lastHello > .seconds(3) {
                    greet(index)
                }
            }
            nextPing = clock.now + .seconds(1)
            statusStale = true
        }
        // Last, so that the indices of `events` were those of the sockets polled.
        scanIfDue()
        publishStatus()
    }

    mutating func finish(after error: ZMQError?) {
        if let error, !error.isContextTerminated { logger.error("feed consumer poll failed: \(error)") }
        sendAcks()
        for source in connected {
            _ = try? source.socket.send([Data(FeedFrame.bye.utf8), Data()], dontWait: true)
            source.socket.close()
        }
        output.finish()
    }
}
