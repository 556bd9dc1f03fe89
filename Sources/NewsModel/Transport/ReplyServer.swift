import Dispatch
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// Answers requests on a REP socket that a dedicated thread owns; async code handles each request
/// taken from ``requests`` and answers it with ``Request/reply(_:)``.
public final class ReplyServer: Sendable {
    /// The endpoint the socket is bound to.
    public let endpoint: String
    /// The requests as they arrive, one at a time; the sequence ends after ``close()``.
    public let requests: AsyncStream<Request>

    private let closed = Atomic<Bool>(false)
    private let wake = WakeSignal()

    /// One request waiting for its reply.
    public struct Request: Sendable {
        /// The request's body (the last frame of the message).
        public let body: Data
        let slot: ReplySlot

        /// Sends the reply. Only the first call counts.
        public func reply(_ body: Data) { slot.fill(body) }
    }

    final class ReplySlot: Sendable {
        private let value = Mutex<Data?>(nil)
        let filled = DispatchSemaphore(value: 0)

        func fill(_ body: Data) {
            let first = value.withLock { value in
                guard value == nil else { return false }
                value = body
                return true
            }
            if first { filled.signal() }
        }

        func take() -> Data? { value.withLock { $0 } }
    }

    private init(endpoint: String, requests: AsyncStream<Request>) {
        self.endpoint = endpoint
        self.requests = requests
    }

    /// Binds a reply server to `endpoint` and starts its thread.
    /// - Throws: ``TransportError`` with code `endpointInUse` when another process binds it already.
    public static func bind(
        context: ZMQContext, endpoint: String, maxMessageSize: Int64 = 64 << 20, logger: Logger
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

    /// Stops answering: the thread closes the socket and ``requests`` ends.
    public func close() {
        closed.store(true, ordering: .sequentiallyConsistent)
        wake.signal()
    }

    private func runThread(
        context: ZMQContext, maxMessageSize: Int64, output: AsyncStream<Request>.Continuation, logger: Logger,
        ready: (Result<Void, TransportError>) -> Void
    ) {
        defer { output.finish() }
        let opened = SocketSetup.open(context: context, type: .reply, endpoint: endpoint) { socket in
            try socket.setMaxMessageSize(maxMessageSize)
            try socket.setLinger(milliseconds: 200)
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
        ready(.success(()))

        var poller = ZMQPoller()
        let socketItem = poller.add(socket, events: .readable)
        _ = poller.add(fileDescriptor: wake.fileDescriptor, events: .readable)
        do {
            serving: while !closed.load(ordering: .sequentiallyConsistent) {
                try poller.poll(timeoutMilliseconds: -1)
                wake.drain()
                guard poller.events(at: socketItem).contains(.readable) else { continue }
                guard let frames = try socket.receive(dontWait: true) else { continue }
                let slot = ReplySlot()
                output.yield(Request(body: frames.last ?? Data(), slot: slot))
                // Wait for the handler, checking now and then whether the server is closing.
                while slot.filled.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
                    if closed.load(ordering: .sequentiallyConsistent) { break serving }
                }
                try socket.send([slot.take() ?? Data()])
            }
        } catch {
            if !error.isContextTerminated {
                logger.error("reply thread stopped", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
            }
        }
    }
}
