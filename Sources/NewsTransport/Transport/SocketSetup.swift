import NewsModel
import ZeroMQ

/// Makes and configures a transport's socket on its own thread, turning every failure into one
/// ``TransportError``: the one place the transports share for start-up.
enum SocketSetup {
    /// A socket of `type` in `context`, configured by `configure`, or the reason it could not be made.
    /// On failure the socket is already closed.
    static func open(
        context: ZMQContext, type: ZMQSocketType, endpoint: String,
        configure: (ZMQSocket) throws -> Void
    ) -> Result<ZMQSocket, TransportError> {
        let socket: ZMQSocket
        do {
            socket = try ZMQSocket(context: context, type: type)
        } catch {
            return .failure(TransportError.from(error, endpoint: endpoint))
        }
        do {
            try TransportSecurity.apply(to: socket, type: type)
            try configure(socket)
            return .success(socket)
        } catch {
            socket.close()
            switch error {
            case let error as TransportError: return .failure(error)
            case let error as ZMQError: return .failure(TransportError.from(error, endpoint: endpoint))
            default: return .failure(TransportError(code: .zeroMQ, endpoint: endpoint, message: "\(error)"))
            }
        }
    }
}
