import CZeroMQ

/// A CurveZMQ key pair, each key in Z85 text (40 characters).
public struct ZMQCurveKeyPair: Sendable, Hashable {
    /// The public key: given to peers.
    public let publicKey: String
    /// The secret key: kept by its owner only.
    public let secretKey: String

    /// A key pair from its two keys.
    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A new random key pair (`zmq_curve_keypair`).
    public static func generate() throws(ZMQError) -> ZMQCurveKeyPair {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicKey, &secretKey) == 0 else { throw ZMQError(code: czmq_errno(), call: "zmq_curve_keypair") }
        return ZMQCurveKeyPair(
            publicKey: String(decoding: publicKey.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self),
            secretKey: String(decoding: secretKey.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// The public key that belongs to a secret key (`zmq_curve_public`), or nil when it is not a key.
    public static func publicKey(of secretKey: String) -> String? {
        guard isKey(secretKey) else { return nil }
        var publicKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&publicKey, secretKey) == 0 else { return nil }
        return String(decoding: publicKey.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// True for a 40-character Z85 text that decodes to a 32-byte key.
    public static func isKey(_ text: String) -> Bool { keyBytes(text) != nil }

    /// The 32 bytes of a Z85 key, or nil when `text` is not one.
    public static func keyBytes(_ text: String) -> [UInt8]? {
        guard text.utf8.count == 40 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        return zmq_z85_decode(&bytes, text) != nil ? bytes : nil
    }
}

extension ZMQSocket {
    /// Makes this socket a CurveZMQ server with `secretKey` (Z85): peers must speak CURVE and know
    /// the matching public key. Set before `bind`.
    public func setCurveServer(secretKey: String) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVER, 1, name: "ZMQ_CURVE_SERVER")
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(secretKey.utf8) + [0], name: "ZMQ_CURVE_SECRETKEY")
    }

    /// Makes this socket a CurveZMQ client of the server whose public key is `serverKey`, with its own
    /// key pair (all Z85). Set before `connect`.
    public func setCurveClient(serverKey: String, keyPair: ZMQCurveKeyPair) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVERKEY, bytes: Array(serverKey.utf8) + [0], name: "ZMQ_CURVE_SERVERKEY")
        try setOption(ZMQ_CURVE_PUBLICKEY, bytes: Array(keyPair.publicKey.utf8) + [0], name: "ZMQ_CURVE_PUBLICKEY")
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: Array(keyPair.secretKey.utf8) + [0], name: "ZMQ_CURVE_SECRETKEY")
    }

    /// The ZAP domain this server socket authenticates in (`ZMQ_ZAP_DOMAIN`).
    public func setZAPDomain(_ domain: String) throws(ZMQError) {
        try setOption(ZMQ_ZAP_DOMAIN, bytes: Array(domain.utf8), name: "ZMQ_ZAP_DOMAIN")
    }
}
