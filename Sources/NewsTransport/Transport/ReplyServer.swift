import Dispatch
import Foundation
import Logging
import NewsModel
import Synchronization
import ZeroMQ

/// Answers requests on a ROUTER socket that a dedicated thread owns. Clients are REQ sockets (one
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

    private let closed = Atomic<Bool>(false)
    private let wake = WakeSignal()
    private let replies = Mutex<[(envelope: [Data], body: Data)]>([])

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

    /// Where one request's reply goes: the client's routing envelope, answered once.
    final class ReplySlot: Sendable {
        let envelope: [Data]
        let server: ReplyServer
        private let answered = Atomic<Bool>(false)

        init(envelope: [Data], server: ReplyServer) {
            self.envelope = envelope
            self.server = server
        }

        func fill(_ body: Data) {
            guard !answered.exchange(true, ordering: .sequentiallyConsistent) else { return }
            server.replies.withLock { $0.append((envelope, body)) }
            server.wake.signal()
        }
    }

    private init(endpoint: String, requests: AsyncStream<Request>) {
        self.endpoint = endpoint
        self.requests = requests
    }

    /// Binds a reply server to `endpoint` and starts its thread.
    /// - Throws: ``TransportError`` with code `endpointInUse` when another process binds it already.
    public static func bind(
        context: ZMQContext, endpoint: String, maxMessageSize: Int64 = maxRequestBytes, logger: Logger
    ) async throws(TransportError) -> ReplyServer {
        let (stream, continuation) = AsyncStream<Request>.makeStream(bufferingPolicy: .unbounded)
        let server = ReplyServer(endpoint: endpoint, requests: stream)
        let ready: Result<Void, TransportError> = await withCheckedContinuation { readyContinuation in
            DedicatedThread.start(name: "rep \(endpoint)") {
                server.runThread(
                    context: context, maxMessageSize: maxMessageSize, output: continuation, logger: logger,
                    ready: { readyContinuation.resume(returning: $0) })
            }
        }
        try ready.get()
        return server
    }

    /// Stops answering: the thread sends the replies already given, closes the socket, and
    /// ``requests`` ends.
    public func close() {
        closed.store(true, ordering: .sequentiallyConsistent)
        wake.signal()
    }

    private func sendReplies(_ socket: ZMQSocket) {
        let pending = replies.withLock { replies in
            defer { replies.removeAll() }
            return replies
        }
        // A client that has gone away is simply not answered (ROUTER drops what it cannot route).
        for reply in pending { _ = try? socket.send(reply.envelope + [reply.body], dontWait: true) }
    }

    private func runThread(
        context: ZMQContext, maxMessageSize: Int64, output: AsyncStream<Request>.Continuation, logger: Logger,
        ready: (Result<Void, TransportError>) -> Void
    ) {
        defer { output.finish() }
        let opened = SocketSetup.open(context: context, type: .router, endpoint: endpoint) { socket in
            try socket.setMaxMessageSize(maxMessageSize)
            try socket.setLinger(milliseconds: 200)
            try Endpoint.bindExclusively(socket, to: endpoint)
        }
        guard case .success(let socket) = opened else {
            if case .failure(let error) = opened { ready(.failure(error)) }
            return
        }
        defer {
            sendReplies(socket)
            socket.close()
            Endpoint.removeSocketFile(of: endpoint)
        }
        ready(.success(()))

        var poller = ZMQPoller()
        let socketItem = poller.add(socket, events: .readable)
        _ = poller.add(fileDescriptor: wake.fileDescriptor, events: .readable)
        do {
            while !closed.load(ordering: .sequentiallyConsistent) {
                try poller.poll(timeoutMilliseconds: -1)
                wake.drain()
                sendReplies(socket)
                guard poller.events(at: socketItem).contains(.readable) else { continue }
                while let frames = try socket.receive(dontWait: true) {
                    // A REQ client's message: its routing id, an empty delimiter, the body.
                    guard frames.count >= 2, let delimiter = frames.lastIndex(where: \.isEmpty), delimiter < frames.count - 1 else {
                        continue
                    }
                    output.yield(
                        Request(body: frames[frames.count - 1], slot: ReplySlot(envelope: Array(frames[...delimiter]), server: self)))
                }
            }
        } catch {
            if !error.isContextTerminated {
                logger.error("reply thread stopped", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
            }
        }
    }
}
