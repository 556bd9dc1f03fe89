import Foundation
import Logging
import NewsModel
import Synchronization
import ZeroMQ

/// Publishes multipart messages on an XPUB socket that a ``SocketThread`` owns.
///
/// ``send(_:)`` may be called from any task or thread: it queues the message and wakes the socket's
/// thread, which sends it. The thread also reads the subscribe and unsubscribe messages that XPUB
/// passes up, so ``subscriberCount`` tells how many subscriptions downstream stages hold.
public final class Publisher: Sendable {
    /// The endpoint the socket is bound to.
    public let endpoint: String
    private let outbox: Outbox
    private let thread: SocketThread

    /// What the publisher shares with its thread.
    fileprivate final class Outbox: Sendable {
        struct Queue {
            var pending: [[Data]] = []
            var closing = false
        }
        let queue = Mutex(Queue())
        let subscriptions = Atomic<Int>(0)

        /// The messages queued so far, taken.
        func take() -> [[Data]] {
            queue.withLock { queue in
                defer { queue.pending.removeAll(keepingCapacity: true) }
                return queue.pending
            }
        }
    }

    private init(endpoint: String, outbox: Outbox, thread: SocketThread) {
        self.endpoint = endpoint
        self.outbox = outbox
        self.thread = thread
    }

    /// Binds a publisher to `endpoint` and starts its thread.
    /// - Throws: ``TransportError`` with code `endpointInUse` when another process binds it already.
    public static func bind(context: ZMQContext, endpoint: String, logger: Logger) async throws(TransportError) -> Publisher {
        let outbox = Outbox()
        let thread = try await SocketThread.start(name: "pub \(endpoint)") { _ throws(TransportError) in
            try PublisherLoop(context: context, endpoint: endpoint, outbox: outbox, logger: logger)
        }
        return Publisher(endpoint: endpoint, outbox: outbox, thread: thread)
    }

    /// Queues a message for sending.
    /// - Throws: ``TransportError`` with code `closed` after ``close()``.
    public func send(_ frames: [Data]) throws(TransportError) {
        let accepted = outbox.queue.withLock { queue in
            guard !queue.closing else { return false }
            queue.pending.append(frames)
            return true
        }
        guard accepted else {
            throw TransportError(code: .closed, endpoint: endpoint, message: "publisher on \(endpoint) is closed")
        }
        thread.wake()
    }

    /// How many subscriptions the connected subscribers hold (one per topic prefix per subscriber).
    public var subscriberCount: Int { outbox.subscriptions.load(ordering: .relaxed) }

    /// Sends what is queued, closes the socket and waits for the thread to end.
    public func close() async {
        outbox.queue.withLock { $0.closing = true }
        thread.stop()
        await thread.waitUntilEnded()
    }
}

/// The publisher's side of its thread: counts subscriptions as XPUB passes them up and sends what
/// ``Publisher/send(_:)`` queued.
private struct PublisherLoop: SocketLoop {
    /// The live stream's bound on messages queued for one slow subscriber (beyond it, XPUB drops them:
    /// the live stream is best effort; the feed is the reliable path).
    static let sendHighWaterMark: Int32 = 100_000

    let socket: ZMQSocket
    let endpoint: String
    let outbox: Publisher.Outbox
    let logger: Logger
    let sockets: [ZMQSocket]
    var pollTimeout: Duration? { nil }

    init(context: ZMQContext, endpoint: String, outbox: Publisher.Outbox, logger: Logger) throws(TransportError) {
        socket = try SocketSetup.bind(context: context, type: .extendedPublisher, endpoint: endpoint) { socket in
            try socket.setExtendedPublisherVerbose()
            try socket.setSendHighWaterMark(Self.sendHighWaterMark)
            try socket.setMaxMessageSize(4096)
        }
        sockets = [socket]
        self.endpoint = endpoint
        self.outbox = outbox
        self.logger = logger
    }

    mutating func turn(_ events: SocketEvents) throws(ZMQError) {
        if events.isReadable(0) {
            while let frames = try socket.receive(dontWait: true) {
                guard let first = frames.first?.first, first <= 1 else { continue }
                outbox.subscriptions.add(first == 1 ? 1 : -1, ordering: .relaxed)
            }
        }
        if events.woken {
            for frames in outbox.take() { try socket.send(frames) }
        }
    }

    mutating func finish(after error: ZMQError?) {
        outbox.queue.withLock { $0.closing = true }
        if let error {
            error.logUnlessShutdown(logger, "publisher thread", endpoint: endpoint)
        } else {
            for frames in outbox.take() { _ = try? socket.send(frames) }
        }
        SocketSetup.closeBound(socket, endpoint: endpoint)
    }
}
