import Glibc
import NewsModel
import ZeroMQ

/// Why a transport (publisher, subscriber, reply server or request client) failed.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    /// The kinds of transport failure.
    public enum Code: String, Sendable {
        /// Another process already binds the endpoint.
        case endpointInUse
        /// The endpoint is malformed or cannot be used (for example an ipc path that is too long).
        case badEndpoint
        /// The peer did not answer in time.
        case timeout
        /// The transport was closed.
        case closed
        /// libzmq reported another error.
        case zeroMQ
        /// The security settings cannot be used: a key file missing or malformed, a libzmq too old or
        /// without CURVE.
        case security
    }

    /// What kind of failure this is.
    public let code: Code
    /// The endpoint involved.
    public let endpoint: String
    /// One sentence for the user.
    public let message: String
    /// The libzmq error underneath, where there is one.
    public let underlying: ZMQError?

    /// Creates an error.
    public init(code: Code, endpoint: String, message: String, underlying: ZMQError? = nil) {
        self.code = code
        self.endpoint = endpoint
        self.message = message
        self.underlying = underlying
    }

    /// Classifies a libzmq error raised while binding or connecting `endpoint`.
    public static func from(_ error: ZMQError, endpoint: String) -> TransportError {
        if error.isAddressInUse {
            return TransportError(
                code: .endpointInUse, endpoint: endpoint,
                message: "endpoint in use: \(endpoint) is already bound by another process", underlying: error)
        }
        if error.code == EINVAL || error.code == ENAMETOOLONG || error.code == EPROTONOSUPPORT
            || error.code == ENOENT
        {
            return TransportError(
                code: .badEndpoint, endpoint: endpoint, message: "cannot use endpoint \(endpoint): \(error.message)",
                underlying: error)
        }
        return TransportError(code: .zeroMQ, endpoint: endpoint, message: error.description, underlying: error)
    }

    public var description: String { message }
}
