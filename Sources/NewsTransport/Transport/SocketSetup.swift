import NewsModel
import Logging
import ZeroMQ

/// Makes and configures a transport's socket on its own thread, turning every failure into one
/// ``TransportError``: the one place the transports share for start-up and, for bound sockets, for
/// shutting down.
enum SocketSetup {
    /// A socket of `type` in `context`, configured by `configure`, or the reason it could not be made.
    /// On failure the socket is already closed.
    static func open(
        context: ZMQContext, type: ZMQSocketType, endpoint: String,
        configure: (ZMQSocket) throws -> Void
    ) throws(TransportError) -> ZMQSocket {
        let socket: ZMQSocket
        do {
            socket = try ZMQSocket(context: context, type: type)
        } catch {
            throw TransportError.from(error, endpoint: endpoint)
        }
        do {
            try TransportSecurity.apply(to: socket, type: type)
            try configure(socket)
            return socket
        } catch {
            socket.close()
            switch error {
            case let error as TransportError: throw error
            case let error as ZMQError: throw TransportError.from(error, endpoint: endpoint)
            default: throw TransportError(code: .zeroMQ, endpoint: endpoint, message: "\(error)")
            }
        }
    }

    /// A server socket: made and configured as ``open(context:type:endpoint:configure:)`` does, then
    /// bound to `endpoint` by ``Endpoint/bindExclusively(_:to:)``. Close it with ``closeBound(_:endpoint:)``.
    static func bind(
        context: ZMQContext, type: ZMQSocketType, endpoint: String, configure: (ZMQSocket) throws -> Void
    ) throws(TransportError) -> ZMQSocket {
        try open(context: context, type: type, endpoint: endpoint) { socket in
            try configure(socket)
            try Endpoint.bindExclusively(socket, to: endpoint)
        }
    }

    /// Closes a socket made by ``bind(context:type:endpoint:configure:)`` and removes its `ipc://` file.
    static func closeBound(_ socket: ZMQSocket, endpoint: String) {
        socket.close()
        Endpoint.removeSocketFile(of: endpoint)
    }
}

extension ZMQError {
    /// Logs an error that ended a socket thread, unless it is the context shutting down (the process
    /// is exiting and every socket thread ends that way).
    func logUnlessShutdown(_ logger: Logger, _ what: String, endpoint: String) {
        guard !isContextTerminated else { return }
        logger.error("\(what) stopped", metadata: ["endpoint": "\(endpoint)", "error": "\(self)"])
    }
}
