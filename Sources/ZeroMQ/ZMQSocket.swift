import CZeroMQ
import Foundation

/// One libzmq socket, owned by exactly one thread at a time.
///
/// libzmq sockets are not thread-safe, so this type is not `Sendable`: make it on the thread that will
/// use it (a dedicated thread, never Swift's cooperative pool, since most calls here can block) and
/// close it there. The socket keeps its ``ZMQContext`` alive. Call ``close()`` explicitly; `deinit`
/// asserts that it was called. Debug builds also check that every call comes from the thread that
/// made the socket: a socket reached from another thread stops the process with the socket's type.
public final class ZMQSocket {
    /// The context this socket was made in; kept alive for as long as the socket exists.
    public let context: ZMQContext
    /// The socket's pattern.
    public let type: ZMQSocketType
    private(set) var handle: UnsafeMutableRawPointer?
    /// The thread that made the socket (or adopted it), the only one that may use it (checked by
    /// `assert`, so in debug builds only).
    private var owner = pthread_self()

    /// Makes the calling thread the socket's owner: for a socket made on one thread and handed, once
    /// and for good, to the thread that will use it (the thread that made it must not touch it again).
    public func adoptOnCurrentThread() {
        owner = pthread_self()
    }

    /// Creates a socket (`zmq_socket`) with a bounded linger of one second, so that closing it never
    /// waits forever for a peer that has gone away.
    public init(context: ZMQContext, type: ZMQSocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZMQError(code: zmq_errno(), call: "zmq_socket(\(type))")
        }
        self.context = context
        self.type = type
        self.handle = handle
        try setLinger(milliseconds: 1000)
    }

    deinit {
        assert(handle == nil, "ZMQSocket(\(type)) released without close()")
        if let handle { zmq_close(handle) }
    }

    /// True until ``close()`` is called.
    public var isOpen: Bool { handle != nil }

    /// Closes the socket (`zmq_close`). Messages still queued are sent for at most the linger period.
    /// Calling it twice is harmless.
    public func close() {
        assertOwningThread("close")
        guard let handle else { return }
        zmq_close(handle)
        self.handle = nil
    }

    private func openHandle(_ call: String) throws(ZMQError) -> UnsafeMutableRawPointer {
        assertOwningThread(call)
        guard let handle else { throw ZMQError(code: ENOTSOCK, call: call) }
        return handle
    }

    /// Stops a debug build when `call` comes from a thread other than the socket's own.
    @inline(__always)
    private func assertOwningThread(_ call: @autoclosure () -> String) {
        assert(pthread_equal(owner, pthread_self()) != 0, "ZMQSocket(\(type)): \(call()) from a thread other than the one that made it")
    }

    // MARK: - Endpoints

    /// Binds to an endpoint such as `ipc:///run/news/stories.pub` or `tcp://*:5555` (`zmq_bind`).
    public func bind(_ endpoint: String) throws(ZMQError) {
        let handle = try openHandle("zmq_bind")
        try zmqCall("zmq_bind", endpoint: endpoint) { zmq_bind(handle, endpoint) }
    }

    /// Connects to an endpoint (`zmq_connect`). libzmq connects in the background and reconnects when
    /// the peer restarts, so this succeeds even when nothing listens yet.
    public func connect(_ endpoint: String) throws(ZMQError) {
        let handle = try openHandle("zmq_connect")
        try zmqCall("zmq_connect", endpoint: endpoint) { zmq_connect(handle, endpoint) }
    }

    /// The endpoint the socket last bound to, with wildcards resolved (`ZMQ_LAST_ENDPOINT`).
    public func lastEndpoint() throws(ZMQError) -> String {
        let handle = try openHandle("zmq_getsockopt")
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        try zmqCall("zmq_getsockopt(ZMQ_LAST_ENDPOINT)") {
            zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size)
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: - Options

    /// Sets an integer socket option (`zmq_setsockopt`).
    public func setOption(_ option: Int32, _ value: Int32, name: String) throws(ZMQError) {
        let handle = try openHandle("zmq_setsockopt")
        var value = value
        try zmqCall("zmq_setsockopt(\(name))") {
            zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size)
        }
    }

    /// Sets a byte-string socket option (`zmq_setsockopt`).
    public func setOption(_ option: Int32, bytes: [UInt8], name: String) throws(ZMQError) {
        let handle = try openHandle("zmq_setsockopt")
        try zmqCall("zmq_setsockopt(\(name))") {
            bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        }
    }

    /// How long ``close()`` may keep sending queued messages (`ZMQ_LINGER`).
    public func setLinger(milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_LINGER, milliseconds, name: "ZMQ_LINGER")
    }

    /// The largest message this socket accepts; a peer sending a larger one is disconnected
    /// (`ZMQ_MAXMSGSIZE`). Every receiving socket sets it.
    public func setMaxMessageSize(_ bytes: Int64) throws(ZMQError) {
        let handle = try openHandle("zmq_setsockopt")
        var value = bytes
        try zmqCall("zmq_setsockopt(ZMQ_MAXMSGSIZE)") {
            zmq_setsockopt(handle, ZMQ_MAXMSGSIZE, &value, MemoryLayout<Int64>.size)
        }
    }

    /// How long a receive waits before it gives up; -1 waits forever (`ZMQ_RCVTIMEO`).
    public func setReceiveTimeout(milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_RCVTIMEO, milliseconds, name: "ZMQ_RCVTIMEO")
    }

    /// How long a send waits before it gives up; -1 waits forever (`ZMQ_SNDTIMEO`).
    public func setSendTimeout(milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_SNDTIMEO, milliseconds, name: "ZMQ_SNDTIMEO")
    }

    /// The queue limit for outgoing messages (`ZMQ_SNDHWM`).
    public func setSendHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setOption(ZMQ_SNDHWM, messages, name: "ZMQ_SNDHWM")
    }

    /// The queue limit for incoming messages (`ZMQ_RCVHWM`).
    public func setReceiveHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setOption(ZMQ_RCVHWM, messages, name: "ZMQ_RCVHWM")
    }

    /// Queues messages only to completed connections (`ZMQ_IMMEDIATE`).
    public func setImmediate(_ enabled: Bool) throws(ZMQError) {
        try setOption(ZMQ_IMMEDIATE, enabled ? 1 : 0, name: "ZMQ_IMMEDIATE")
    }

    /// Lets an XPUB socket pass every subscribe and unsubscribe message up to the application
    /// (`ZMQ_XPUB_VERBOSER`), so it can count its subscribers.
    public func setExtendedPublisherVerbose() throws(ZMQError) {
        try setOption(ZMQ_XPUB_VERBOSER, 1, name: "ZMQ_XPUB_VERBOSER")
    }

    /// Makes a ROUTER socket fail a send to a peer that is not connected (`EHOSTUNREACH`) instead of
    /// dropping it silently (`ZMQ_ROUTER_MANDATORY`).
    public func setRouterMandatory(_ enabled: Bool) throws(ZMQError) {
        try setOption(ZMQ_ROUTER_MANDATORY, enabled ? 1 : 0, name: "ZMQ_ROUTER_MANDATORY")
    }

    /// Subscribes a SUB socket to messages whose first frame starts with `prefix` (`ZMQ_SUBSCRIBE`).
    public func subscribe(_ prefix: String) throws(ZMQError) {
        try setOption(ZMQ_SUBSCRIBE, bytes: Array(prefix.utf8), name: "ZMQ_SUBSCRIBE")
    }

    /// Removes a subscription made with ``subscribe(_:)`` (`ZMQ_UNSUBSCRIBE`).
    public func unsubscribe(_ prefix: String) throws(ZMQError) {
        try setOption(ZMQ_UNSUBSCRIBE, bytes: Array(prefix.utf8), name: "ZMQ_UNSUBSCRIBE")
    }

    // MARK: - Messages

    /// Sends a multipart message, frame by frame (`zmq_send` with `ZMQ_SNDMORE`). libzmq delivers the
    /// frames of one message together or not at all.
    /// - Parameter dontWait: return `false` instead of blocking when the message cannot be queued now.
    /// - Returns: `true` when the message was queued.
    @discardableResult
    public func send(_ frames: [Data], dontWait: Bool = false) throws(ZMQError) -> Bool {
        let handle = try openHandle("zmq_send")
        precondition(!frames.isEmpty, "a ZeroMQ message has at least one frame")
        for (index, frame) in frames.enumerated() {
            var flags: Int32 = index < frames.count - 1 ? ZMQ_SNDMORE : 0
            if dontWait { flags |= ZMQ_DONTWAIT }
            let sent = try zmqAttempt("zmq_send") {
                frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
            }
            if sent == nil {
                // Only the first frame can find the queue full: the rest of a message is queued with it.
                guard index == 0 else { throw ZMQError(code: EAGAIN, call: "zmq_send") }
                return false
            }
        }
        return true
    }

    /// Receives one whole multipart message (`zmq_msg_recv`), however large, up to the socket's
    /// ``setMaxMessageSize(_:)``.
    /// - Parameter dontWait: return `nil` instead of blocking when no message is waiting.
    /// - Returns: the frames, or `nil` when nothing arrived before the receive timeout.
    public func receive(dontWait: Bool = false) throws(ZMQError) -> [Data]? {
        let handle = try openHandle("zmq_msg_recv")
        var frames: [Data] = []
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while true {
            // Only the first frame can time out: the rest of a message arrives with it.
            let flags: Int32 = dontWait && frames.isEmpty ? ZMQ_DONTWAIT : 0
            guard try zmqAttempt("zmq_msg_recv", { zmq_msg_recv(&message, handle, flags) }) != nil else {
                // Nothing waiting (or, blocking, the receive timeout passed).
                guard frames.isEmpty else { throw ZMQError(code: EAGAIN, call: "zmq_msg_recv") }
                return nil
            }
            let size = zmq_msg_size(&message)
            if size == 0 {
                frames.append(Data())
            } else {
                frames.append(Data(bytes: zmq_msg_data(&message), count: size))
            }
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }
}

@available(*, unavailable, message: "a ZeroMQ socket belongs to one thread; make it on the thread that uses it")
extension ZMQSocket: Sendable {}
