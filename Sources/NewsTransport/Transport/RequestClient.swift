import Foundation
import NewsModel
import ZeroMQ

/// Sends one request to a ``ReplyServer`` and waits a bounded time for the reply.
///
/// Each request uses a fresh REQ socket on a dedicated thread, so a lost reply never leaves a socket in
/// the wrong state and no blocking call runs on the cooperative pool.
public struct RequestClient: Sendable {
    /// The context sockets are made in.
    public let context: ZMQContext
    /// The server's endpoint.
    public let endpoint: String
    /// How long to wait for the reply.
    public let timeout: Duration
    /// The largest reply accepted.
    public let maxMessageSize: Int64

    /// Creates a client for the server at `endpoint`.
    public init(context: ZMQContext, endpoint: String, timeout: Duration = .seconds(5), maxMessageSize: Int64 = 64 << 20) {
        self.context = context
        self.endpoint = endpoint
        self.timeout = timeout
        self.maxMessageSize = maxMessageSize
    }

    /// The timeout in milliseconds, as the client tells the server (`timeoutMs`).
    public var timeoutMilliseconds: Int {
        Int(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
    }

    /// Sends `body` and returns the reply.
    /// - Throws: ``TransportError`` with code `timeout` when nothing answers in time, or `badEndpoint`
    ///   when an `ipc://` socket file does not exist.
    public func request(_ body: Data) async throws(TransportError) -> Data {
        let context = self.context
        let endpoint = self.endpoint
        let maxMessageSize = self.maxMessageSize
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return try await DedicatedThread.run(name: "req \(endpoint)") { () throws(TransportError) -> Data in
            try Endpoint.validate(endpoint)
            if let path = Endpoint.ipcPath(endpoint), !FileManager.default.fileExists(atPath: path) {
                throw TransportError(
                    code: .badEndpoint, endpoint: endpoint,
                    message: "nothing is listening at \(endpoint) (no socket file)")
            }
            let socket = try SocketSetup.open(context: context, type: .request, endpoint: endpoint) { socket in
                try socket.setLinger(milliseconds: 0)
                try socket.setMaxMessageSize(maxMessageSize)
                try socket.setReceiveTimeout(milliseconds: milliseconds)
                try socket.setSendTimeout(milliseconds: milliseconds)
                try socket.connect(endpoint)
            }
            defer { socket.close() }
            let sent: Bool
            let reply: [Data]?
            do throws(ZMQError) {
                sent = try socket.send([body])
                if sent {
                    reply = try socket.receive()
                } else {
                    reply = nil
                }
            } catch {
                throw TransportError.from(error, endpoint: endpoint)
            }
            guard sent else {
                throw TransportError(
                    code: .timeout, endpoint: endpoint, message: "could not send to \(endpoint) within \(milliseconds) ms")
            }
            guard let reply else {
                throw TransportError(
                    code: .timeout, endpoint: endpoint, message: "no answer from \(endpoint) within \(milliseconds) ms")
            }
            return reply.last ?? Data()
        }
    }
}
