import Foundation
import Logging
import NewsModel
import Synchronization
import ZeroMQ

/// CurveZMQ for a process's sockets: encryption and, through a ZAP handler, authentication of clients
/// against an allow-list of public keys. Without the handler a CURVE server accepts any client that
/// knows its public key, so the handler is always started with it.
///
/// When configured, every socket the process makes speaks CURVE (ipc:// ones too, so a deployment is
/// either all CURVE or not at all): server sockets (feeds, live streams, control) with the stage's
/// key pair, client sockets (feed consumers, subscribers, requests) with the same pair and the
/// servers' public key.
public struct CurveConfiguration: Sendable {
    /// This process's key pair.
    public var keyPair: ZMQCurveKeyPair
    /// The public key of the servers this process connects to.
    public var serverKey: String
    /// Public keys (Z85) allowed to connect to this process's server sockets; empty for a pure client.
    public var allowedClients: Set<String>

    /// Creates a configuration.
    public init(keyPair: ZMQCurveKeyPair, serverKey: String, allowedClients: Set<String>) {
        self.keyPair = keyPair
        self.serverKey = serverKey
        self.allowedClients = allowedClients
    }
}

/// The process-wide transport security, set once at start-up.
public enum TransportSecurity {
    private static let current = Mutex<CurveConfiguration?>(nil)

    /// The oldest libzmq the stages run with: 4.3.3 fixed the CVEs of 4.3.2 and earlier that a remote
    /// peer can trigger.
    public static let minimumVersion: (Int32, Int32, Int32) = (4, 3, 3)

    /// Refuses a libzmq older than ``minimumVersion``.
    public static func checkLibrary() throws(TransportError) {
        let version = ZMQLibrary.version
        guard (version.major, version.minor, version.patch) >= minimumVersion else {
            throw TransportError(
                code: .security, endpoint: "",
                message: "libzmq \(ZMQLibrary.versionString) is older than 4.3.3, which this pipeline needs; install a newer libzmq5")
        }
    }

    /// Turns CURVE on for every socket this process makes from now on, after starting the ZAP handler
    /// in `context`. Refuses a libzmq without CURVE.
    public static func enableCurve(_ configuration: CurveConfiguration, context: ZMQContext, logger: Logger) throws(TransportError) {
        try checkLibrary()
        guard ZMQLibrary.hasCurve else {
            throw TransportError(
                code: .security, endpoint: "", message: "CURVE is configured but this libzmq (\(ZMQLibrary.versionString)) was built without it")
        }
        try ZAPHandler.start(context: context, allowed: configuration.allowedClients, logger: logger)
        current.withLock { $0 = configuration }
    }

    /// Whether CURVE is on in this process.
    public static var isCurveEnabled: Bool { current.withLock { $0 != nil } }

    /// Configures `socket` for CURVE when it is on: server sockets (those that bind) with the key pair
    /// and the ZAP domain, client sockets with the server's key.
    static func apply(to socket: ZMQSocket, type: ZMQSocketType) throws(ZMQError) {
        guard let configuration = current.withLock({ $0 }) else { return }
        switch type {
        case .router, .reply, .extendedPublisher, .publisher, .pull:
            try socket.setZAPDomain("news")
            try socket.setCurveServer(secretKey: configuration.keyPair.secretKey)
        case .dealer, .request, .subscriber, .push:
            try socket.setCurveClient(serverKey: configuration.serverKey, keyPair: configuration.keyPair)
        }
    }
}

/// The ZAP handler (ZeroMQ RFC 27) that admits CURVE clients whose public key is on the allow-list and
/// refuses every other: a REP socket at `inproc://zeromq.zap.01` in the process's context, on a
/// ``SocketThread`` of its own, until the context shuts down.
enum ZAPHandler {
    static let endpoint = "inproc://zeromq.zap.01"

    /// Binds the handler (an inproc bind, which does not block, on the caller's thread, so that it is
    /// in place before any CURVE socket binds) and starts its thread.
    static func start(context: ZMQContext, allowed: Set<String>, logger: Logger) throws(TransportError) {
        let keys = Set(allowed.compactMap(decode))
        let socket: ZMQSocket
        do {
            socket = try ZMQSocket(context: context, type: .reply)
            try socket.setLinger(milliseconds: 0)
            try socket.bind(endpoint)
        } catch {
            throw TransportError.from(error, endpoint: endpoint)
        }
        let handoff = SocketHandoff(socket: socket)
        _ = SocketThread.launch(name: "zap") { _ in
            // Made on the caller's thread, used only on this one from now on.
            handoff.socket.adoptOnCurrentThread()
            return ZAPLoop(socket: handoff.socket, keys: keys, logger: logger)
        }
    }

    /// The 32 bytes of a Z85 key.
    static func decode(_ z85: String) -> Data? { ZMQCurveKeyPair.keyBytes(z85).map { Data($0) } }
}

/// The ZAP handler's side of its thread: one answer per authentication request.
private struct ZAPLoop: SocketLoop {
    let socket: ZMQSocket
    let keys: Set<Data>
    let logger: Logger
    var sockets: [ZMQSocket] { [socket] }
    var pollTimeout: Duration? { nil }

    mutating func turn(_ events: SocketEvents) throws(ZMQError) {
        guard events.isReadable(0) else { return }
        while let request = try socket.receive(dontWait: true) {
            guard request.count >= 6 else {
                // A REP socket must answer before it reads again; a request too short is refused.
                _ = try? socket.send([Data("1.0".utf8), request.count > 1 ? request[1] : Data(), Data("400".utf8), Data("malformed".utf8), Data(), Data()])
                continue
            }
            let mechanism = String(decoding: request[5], as: UTF8.self)
            let key = request.count > 6 ? request[6] : Data()
            let allowed = mechanism == "CURVE" && keys.contains(key)
            if !allowed {
                logger.warning(
                    "refused a client", metadata: ["mechanism": "\(mechanism)", "address": "\(String(decoding: request[3], as: UTF8.self))"])
            }
            // A failed answer only fails that client's handshake; the handler goes on.
            _ = try? socket.send([
                Data("1.0".utf8), request[1], Data((allowed ? "200" : "400").utf8), Data((allowed ? "OK" : "not on the allow-list").utf8),
                Data(), Data(),
            ])
        }
    }

    /// The loop ends when the context shuts down.
    mutating func finish(after error: ZMQError?) {
        socket.close()
    }
}

/// Hands a socket made on one thread to the thread that uses it from then on (ZeroMQ sockets may move
/// between threads with a memory barrier between uses, which starting a thread provides).
private struct SocketHandoff: @unchecked Sendable {
    let socket: ZMQSocket
}
