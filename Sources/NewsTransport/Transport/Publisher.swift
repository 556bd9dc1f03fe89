import Dispatch
import Foundation
import Logging
import NewsModel
import Synchronization
import ZeroMQ

/// Publishes multipart messages on an XPUB socket that a dedicated thread owns.
///
/// ``send(_:)`` may be called from any task or thread: it queues the message and wakes the socket's
/// thread, which sends it. The thread also reads the subscribe and unsubscribe messages that XPUB
/// passes up, so ``subscriberCount`` tells how many subscriptions downstream stages hold.
public final class Publisher: Sendable {
    /// The endpoint the socket is bound to.
    public let endpoint: String

    private struct State {
        var pending: [[Data]] = []
        var closing = false
        var subscriptions = 0
    }

    private let state = Mutex(State())
    private let wake = WakeSignal()
    private let finished = DispatchSemaphore(value: 0)

    private init(endpoint: String) {
        self.endpoint = endpoint
    }

    /// Binds a publisher to `endpoint` and starts its thread.
    /// - Throws: ``TransportError`` with code `endpointInUse` when another process binds it already.
    public static func bind(context: ZMQContext, endpoint: String, logger: Logger) async throws(TransportError) -> Publisher {
        let publisher = Publisher(endpoint: endpoint)
        let ready: Result<Void, TransportError> = await withCheckedContinuation { continuation in
            DedicatedThread.start(name: "pub \(endpoint)") {
                publisher.runThread(context: context, logger: logger, ready: { continuation.resume(returning: $0) })
            }
        }
        try ready.get()
        return publisher
    }

    /// Queues a message for sending.
    /// - Throws: ``TransportError`` with code `closed` after ``close()``.
    public func send(_ frames: [Data]) throws(TransportError) {
        let accepted = state.withLock { state in
            guard !state.closing else { return false }
            state.pending.append(frames)
            return true
        }
        guard accepted else {
            throw TransportError(code: .closed, endpoint: endpoint, message: "publisher on \(endpoint) is closed")
        }
        wake.signal()
    }

    /// How many subscriptions the connected subscribers hold (one per topic prefix per subscriber).
    public var subscriberCount: Int { state.withLock { $0.subscriptions } }

    /// Sends what is queued, closes the socket and waits for the thread to end.
    public func close() async {
        state.withLock { $0.closing = true }
        wake.signal()
        let finished = self.finished
        await DedicatedThread.run(name: "pub close") { finished.wait() }
    }

    /// The live stream's bound on messages queued for one slow subscriber (beyond it, XPUB drops them:
    /// the live stream is best effort; the feed is the reliable path).
    private static let sendHighWaterMark: Int32 = 100_000

    private func runThread(context: ZMQContext, logger: Logger, ready: (Result<Void, TransportError>) -> Void) {
        defer { finished.signal() }
        let opened = SocketSetup.open(context: context, type: .extendedPublisher, endpoint: endpoint) { socket in
            try socket.setExtendedPublisherVerbose()
            try socket.setSendHighWaterMark(Self.sendHighWaterMark)
            try socket.setMaxMessageSize(4096)
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
        let wakeItem = poller.add(fileDescriptor: wake.fileDescriptor, events: .readable)
        do {
            while true {
                try poller.poll(timeoutMilliseconds: -1)
                if poller.events(at: socketItem).contains(.readable) {
                    while let frames = try socket.receive(dontWait: true) {
                        guard let first = frames.first?.first else { continue }
                        state.withLock { $0.subscriptions += first == 1 ? 1 : (first == 0 ? -1 : 0) }
                    }
                }
                if poller.events(at: wakeItem).contains(.readable) {
                    wake.drain()
                    let (batch, closing) = state.withLock { state in
                        defer { state.pending.removeAll(keepingCapacity: true) }
                        return (state.pending, state.closing)
                    }
                    for frames in batch { try socket.send(frames) }
                    if closing && state.withLock({ $0.pending.isEmpty }) { break }
                }
            }
        } catch {
            if !error.isContextTerminated {
                logger.error("publisher thread stopped", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
            }
            state.withLock { $0.closing = true }
        }
    }
}
