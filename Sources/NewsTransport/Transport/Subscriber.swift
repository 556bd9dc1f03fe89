import Dispatch
import Foundation
import Logging
import NewsModel
import ZeroMQ

/// Receives multipart messages on a SUB socket that a ``SocketThread`` owns, and hands them to async
/// code through ``messages``.
///
/// At most `capacity` messages wait in memory: when the consumer falls behind, the thread stops
/// reading and libzmq's receive queue fills instead.
public final class Subscriber: Sendable {
    /// The endpoints the socket connects to.
    public let endpoints: [String]
    /// The messages as they arrive; the sequence ends after ``close()``.
    public let messages: Messages

    private let thread: SocketThread
    private let credits: DispatchSemaphore

    private init(endpoints: [String], messages: Messages, credits: DispatchSemaphore, thread: SocketThread) {
        self.endpoints = endpoints
        self.messages = messages
        self.credits = credits
        self.thread = thread
    }

    /// Connects a subscriber to `endpoints`, subscribed to every message whose topic frame starts with
    /// one of `topics`, and starts its thread.
    public static func connect(
        context: ZMQContext, endpoints: [String], topics: [String], maxMessageSize: Int64 = 16 << 20,
        capacity: Int = 1024, logger: Logger
    ) async throws(TransportError) -> Subscriber {
        let credits = DispatchSemaphore(value: capacity)
        let (stream, continuation) = AsyncStream<[Data]>.makeStream(bufferingPolicy: .unbounded)
        let thread = try await SocketThread.start(name: "sub \(endpoints.first ?? "")") { thread throws(TransportError) in
            try SubscriberLoop(
                context: context, endpoints: endpoints, topics: topics, maxMessageSize: maxMessageSize, thread: thread,
                credits: credits, output: continuation, logger: logger)
        }
        return Subscriber(
            endpoints: endpoints, messages: Messages(stream: stream, credits: credits), credits: credits, thread: thread)
    }

    /// Stops receiving; ``messages`` ends once the consumer has taken what was already handed over.
    public func close() {
        thread.stop()
        credits.signal()
    }

    /// The messages a ``Subscriber`` receives, each a list of frames (topic frame first).
    public struct Messages: AsyncSequence, Sendable {
        public typealias Element = [Data]
        let stream: AsyncStream<[Data]>
        let credits: DispatchSemaphore

        /// Iterates over the received messages.
        public struct AsyncIterator: AsyncIteratorProtocol {
            var base: AsyncStream<[Data]>.AsyncIterator
            let credits: DispatchSemaphore

            /// The next message, or nil after the subscriber was closed.
            public mutating func next() async -> [Data]? {
                let element = await base.next()
                if element != nil { credits.signal() }
                return element
            }
        }

        /// Makes the iterator; iterate once.
        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(base: stream.makeAsyncIterator(), credits: credits)
        }
    }
}

/// The subscriber's side of its thread: hands on what arrives while the consumer has room.
private struct SubscriberLoop: SocketLoop {
    let socket: ZMQSocket
    let endpoints: [String]
    let thread: SocketThread
    let credits: DispatchSemaphore
    let output: AsyncStream<[Data]>.Continuation
    let logger: Logger
    let sockets: [ZMQSocket]
    var pollTimeout: Duration? { nil }

    init(
        context: ZMQContext, endpoints: [String], topics: [String], maxMessageSize: Int64, thread: SocketThread,
        credits: DispatchSemaphore, output: AsyncStream<[Data]>.Continuation, logger: Logger
    ) throws(TransportError) {
        do {
            socket = try SocketSetup.open(context: context, type: .subscriber, endpoint: endpoints.joined(separator: " ")) { socket in
                try socket.setMaxMessageSize(maxMessageSize)
                try socket.setLinger(milliseconds: 0)
                for topic in topics { try socket.subscribe(topic) }
                for endpoint in endpoints {
                    try Endpoint.validate(endpoint)
                    do throws(ZMQError) {
                        try socket.connect(endpoint)
                    } catch {
                        throw TransportError.from(error, endpoint: endpoint)
                    }
                }
            }
        } catch {
            output.finish()
            throw error
        }
        sockets = [socket]
        self.endpoints = endpoints
        self.thread = thread
        self.credits = credits
        self.output = output
        self.logger = logger
    }

    mutating func turn(_ events: SocketEvents) throws(ZMQError) {
        guard events.isReadable(0) else { return }
        while let frames = try socket.receive(dontWait: true) {
            // Waits while the consumer holds `capacity` messages; close() gives one credit to end the wait.
            credits.wait()
            if thread.isStopping { return }
            output.yield(frames)
        }
    }

    mutating func finish(after error: ZMQError?) {
        error?.logUnlessShutdown(logger, "subscriber thread", endpoint: endpoints.joined(separator: " "))
        socket.close()
        output.finish()
    }
}
