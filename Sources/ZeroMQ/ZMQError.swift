import CZeroMQ

/// An error reported by libzmq: the failing call, the `errno` it set and libzmq's text for it.
///
/// A user reads it as one sentence, for example
/// `zmq_bind(ipc:///run/news/stories.pub) failed: Address already in use (errno 98)`.
public struct ZMQError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The `errno` value libzmq reported (`zmq_errno()`).
    public let code: Int32
    /// The libzmq function that failed, such as `zmq_bind`.
    public let call: String
    /// The endpoint the call was about, where there is one.
    public let endpoint: String?

    /// Creates an error for `call` with the given `errno` value.
    public init(code: Int32, call: String, endpoint: String? = nil) {
        self.code = code
        self.call = call
        self.endpoint = endpoint
    }

    /// libzmq's own text for ``code`` (`zmq_strerror`).
    public var message: String { String(cString: zmq_strerror(code)) }

    /// True when the call would have blocked (`EAGAIN`): a timeout or a full queue.
    public var isWouldBlock: Bool { code == EAGAIN }

    /// True when the socket's context was shut down (`ETERM`): the owner should close the socket.
    public var isContextTerminated: Bool { code == ETERM }

    /// True when another socket already holds the address (`EADDRINUSE`).
    public var isAddressInUse: Bool { code == EADDRINUSE }

    public var description: String {
        let target = endpoint.map { "(\($0))" } ?? ""
        return "\(call)\(target) failed: \(message) (errno \(code))"
    }
}

/// Runs a libzmq call that returns -1 on failure, retrying it when a signal interrupted it (`EINTR`),
/// and throws a ``ZMQError`` carrying `zmq_errno()` otherwise.
@discardableResult
@inline(__always)
func zmqCall(_ name: String, endpoint: String? = nil, _ body: () -> Int32) throws(ZMQError) -> Int32 {
    while true {
        let rc = body()
        if rc >= 0 { return rc }
        let code = zmq_errno()
        if code == EINTR { continue }
        throw ZMQError(code: code, call: name, endpoint: endpoint)
    }
}

/// Runs a libzmq call that may find its queue empty or full, as ``zmqCall(_:endpoint:_:)`` does, but
/// returns `nil` for `EAGAIN` instead of throwing: a drained queue is the normal end of a receive
/// loop, not an error.
@inline(__always)
func zmqAttempt(_ name: String, _ body: () -> Int32) throws(ZMQError) -> Int32? {
    while true {
        let rc = body()
        if rc >= 0 { return rc }
        let code = zmq_errno()
        if code == EINTR { continue }
        if code == EAGAIN { return nil }
        throw ZMQError(code: code, call: name)
    }
}
