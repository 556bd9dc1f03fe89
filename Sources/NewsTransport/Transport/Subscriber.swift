import Dispatch
import Foundation
import Logging
import NewsModel
import Synchronization
import ZeroMQ

/// Receives multipart messages on a SUB socket that a dedicated thread owns, and hands them to async
/// code through ``messages``.
///
/// At most `capacity` messages wait in memory: when the consumer falls behind, the thread stops
/// reading and libzmq's receive queue fills instead.
public final class Subscriber: Sendable {
    /// The endpoints the socket connects to.
    public let endpoints: [String]
    /// The messages as they arrive; the sequence ends after ``close()``.
    public let messages: Messages

    private let closed = Atomic<Bool>(false)
    private let wake = WakeSignal()
    private let credits: DispatchSemaphore

    private init(endpoints: [String], messages: Messages, credits: DispatchSemaphore) {
        self.endpoints = endpoints
        self.messages = messages
        self.credits = credits
    }

    /// Connects a subscriber to `endpoints`, subscribed to every message whose topic frame starts with
    /// one of `topics`, and starts its thread.
    public static func connect(
        context: ZMQContext, endpoints: [String], topics: [String], maxMessageSize: Int64 = 16 << 20,
        capacity: Int = 1024, logger: Logger
    ) async throws(TransportError) -> Subscriber {
        let credits = DispatchSemaphore(value: capacity)
        let (stream, continuation) = AsyncStream<[Data]>.makeStream(bufferingPolicy: .unbounded)
        let subscriber = Subscriber(
            endpoints: endpoints, messages: Messages(stream: stream, credits: credits), credits: credits)
        let ready: Result<Void, TransportError> = await withCheckedContinuation { readyContinuation in
            DedicatedThread.start(name: "sub \(endpoints.first ?? "")") {
                subscriber.runThread(
                    context: context, topics: topics, maxMessageSize: maxMessageSize, output: continuation,
                    logger: logger, ready: { readyContinuation.resume(returning: $0) })
            }
        }
        try ready.get()
        return subscriber
    }

    /// Stops receiving; ``messages`` ends once the consumer has taken what was already handed over.
    public func close() {
        closed.store(true, ordering: .sequentiallyConsistent)
        wake.signal()
        credits.signal()
    }

    private func runThread(
        context: ZMQContext, topics: [String], maxMessageSize: Int64,
        output: AsyncStream<[Data]>.Continuation, logger: Logger, ready: (Result<Void, TransportError>) -> Void
    ) {
        defer { output.finish() }
        let endpoints = self.endpoints
        let opened = SocketSetup.open(context: context, type: .subscriber, endpoint: endpoints.joined(separator: " ")) {
            socket in
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
        guard case .success(let socket) = opened else {
            if case .failure(let error) = opened { ready(.failure(error)) }
            return
        }
        defer { socket.close() }
        ready(.success(()))

        var poller = ZMQPoller()
        let socketItem = poller.add(socket, events: .readable)
        _ = poller.add(fileDescriptor: wake.fileDescriptor, events: .readable)
        do {
            receiving: while !closed.load(ordering: .sequentiallyConsistent) {
                try poller.poll(timeoutMilliseconds: -1)
                wake.drain()
                guard poller.events(at: socketItem).contains(.readable) else { continue }
                while let frames = try socket.receive(dontWait: true) {
                    credits.wait()
                    if closed.load(ordering: .sequentiallyConsistent) { break receiving }
                    output.yield(frames)
                }
            }
        } catch {
            if !error.isContextTerminated {
                logger.error("subscriber thread stopped", metadata: ["endpoints": "\(endpoints)", "error": "\(error)"])
            }
        }
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
