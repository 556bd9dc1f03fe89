import CZeroMQ

/// A libzmq context: the I/O threads and the registry of sockets.
///
/// A context is thread-safe. Every ``ZMQSocket`` holds a strong reference to the context it was made in,
/// so the context is terminated (`zmq_ctx_term`) only after its last socket is closed and released.
public final class ZMQContext: Sendable {
    nonisolated(unsafe) let handle: UnsafeMutableRawPointer

    /// Creates a context (`zmq_ctx_new`).
    /// - Parameter ioThreads: libzmq's background I/O threads (`ZMQ_IO_THREADS`).
    public init(ioThreads: Int32 = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else {
            throw ZMQError(code: zmq_errno(), call: "zmq_ctx_new")
        }
        self.handle = handle
        if ioThreads != 1 {
            try zmqCall("zmq_ctx_set(ZMQ_IO_THREADS)") { zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads) }
        }
    }

    /// Makes every blocking call on this context's sockets return `ETERM` (`zmq_ctx_shutdown`), so the
    /// threads that own them can close them and stop. New sockets cannot be made afterwards.
    public func shutdown() {
        _ = zmq_ctx_shutdown(handle)
    }

    deinit {
        // Every socket keeps the context alive, so no socket is open here and this cannot block.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}

/// Facts about the libzmq library this process is linked with.
public enum ZMQLibrary {
    /// The libzmq version (`zmq_version`), such as 4.3.4.
    public static var version: (major: Int32, minor: Int32, patch: Int32) {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (major, minor, patch)
    }

    /// The version as text, such as `"4.3.4"`.
    public static var versionString: String {
        let v = version
        return "\(v.major).\(v.minor).\(v.patch)"
    }

    /// True when libzmq was built with the CURVE security mechanism (`zmq_has("curve")`).
    public static var hasCurve: Bool { czmq_has_curve() != 0 }
}
