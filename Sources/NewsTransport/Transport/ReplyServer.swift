import Foundation
import Logging
import NewsModel
import Synchronization
import ZeroMQ

/// Answers requests on a ROUTER socket that a ``SocketThread`` owns. Clients are REQ sockets (one
/// request, one reply); because the server is a ROUTER, requests from many clients are handed to async
/// code as they arrive and answered in whatever order their handlers finish, so one slow request never
/// holds up the others. Async code takes each request from ``requests`` and answers it with
/// ``Request/reply(_:)``.
public final class ReplyServer: Sendable {
    /// The endpoint the socket is bound to.
    public let endpoint: String
    /// The requests as they arrive; the sequence ends after ``close()``.
    public let requests: AsyncStream<Request>
    /// The largest request accepted; a client sending a larger one is disconnected by libzmq.
    public static let maxRequestBytes: Int64 = 32 << 20

    private let thread: SocketThread

    /// One request waiting for its reply.
    public struct Request: Sendable {
        /// The request's body (the last frame of the message).
        public let body: Data
        /// When the request arrived.
        public let receivedAt = ContinuousClock.now
        let slot: ReplySlot

        /// Sends the reply. Only the first call counts.
        public func reply(_ body: Data) { slot.fill(body) }
    }

    /// The replies given and not yet sent, shared by the handlers and the socket's thread.
    final class Replies: Sendable {
        let pending = Mutex<[(envelope: [Data], body: Data)]>([])

        func take() -> [(envelope: [Data], body: Data)] {
            pending.withLock { pending in
                defer { pending.removeAll() }
                return pending
            }
        }
    }

    /// Where one request's reply goes: the client's routing envelope, answered once.
    final class ReplySlot: Sendable {
        let envelope: [Data]
        let replies: Replies
        let thread: SocketThread
        private let answered = Atomic<Bool>(false)

        init(envelope: [Data], replies: Replies, thread: SocketThread) {
            self.envelope = envelope
            self.replies = replies
            self.thread = thread
        }

        func fill(_ body: Data) {
            guard !answered.exchange(true, ordering: .sequentiallyConsistent) else { return }
            replies.pending.withLock { $0.append((envelope, body)) }
            thread.wake()
        }
    }

    private init(endpoint: String, requests: AsyncStream<Request>, thread: SocketThread) {
        self.endpoint = endpoint
        self.requests = requests
        self.thread = thread
    }

    /// Binds a reply server to `endpoint` and starts its thread.
    /// - Throws: ``TransportError`` with code `endpointInUse` when another process binds it already.
    public static func bind(
        context: ZMQContext, endpoint: String, maxMessageSize: Int64 = maxRequestBytes, logger: Logger
    ) async throws(TransportError) -> ReplyServer {
        let (stream, continuation) = AsyncStream<Request>.makeStream(bufferingPolicy: .unbounded)
        let replies = Replies()
        let thread = try await SocketThread.start(name: "rep \(endpoint)") { thread throws(TransportError) in
            try ReplyLoop(
                context: context, endpoint: endpoint, maxMessageSize: maxMessageSize, thread: thread, replies: replies,
                output: continuation, logger: logger)
        }
        return ReplyServer(endpoint: endpoint, requests: stream, thread: thread)
    }

    /// Stops answering: the thread sends the replies already given, closes the socket, and
    /// ``requests`` ends.
    public func close() {
        thread.stop()
    }
}

/// The reply server's side of its thread: hands each request on and sends the replies given.
private struct ReplyLoop: SocketLoop {
    let socket: ZMQSocket
    let endpoint: String
    let thread: SocketThread
    let replies: ReplyServer.Replies
    let output: AsyncStream<ReplyServer.Request>.Continuation
    let logger: Logger
    let sockets: [ZMQSocket]
    var pollTimeout: Duration? { nil }

    init(
        context: ZMQContext, endpoint: String, maxMessageSize: Int64, thread: SocketThread, replies: ReplyServer.Replies,
        output: AsyncStream<ReplyServer.Request>.Continuation, logger: Logger
    ) throws(TransportError) {
        do {
            socket = try SocketSetup.bind(context: context, type: .router, endpoint: endpoint) { socket in
                try socket.setMaxMessageSize(maxMessageSize)
                try socket.setLinger(milliseconds: 200)
            }
        } catch {
            output.finish()
            throw error
        }
        sockets = [socket]
        self.endpoint = endpoint
        self.thread = thread
        self.replies = replies
        self.output = output
        self.logger = logger
    }

    /// Sends the replies given so far. A client that has gone away is simply not answered (ROUTER
    /// drops what it cannot route).
    func sendReplies() {
        for reply in replies.take() { _ = try? socket.send(reply.envelope + [reply.body], dontWait: true) }
    }

    mutating func turn(_ events: SocketEvents) throws(ZMQError) {
        sendReplies()
        guard events.isReadable(0) else { return }
        while let frames = try socket.receive(dontWait: true) {
            // A REQ client's message: its routing id, an empty delimiter, the body.
            guard frames.count >= 2, let delimiter = frames.lastIndex(where: \.isEmpty), delimiter < frames.count - 1 else {
                continue
            }
            output.yield(
                ReplyServer.Request(
                    body: frames[frames.count - 1], slot: ReplyServer.ReplySlot(envelope: Array(frames[...delimiter]), replies: replies, thread: thread)))
        }
    }

    mutating func finish(after error: ZMQError?) {
        error?.logUnlessShutdown(logger, "reply thread", endpoint: endpoint)
        sendReplies()
        SocketSetup.closeBound(socket, endpoint: endpoint)
        output.finish()
    }
}
