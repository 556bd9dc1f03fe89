import Crypto
import Foundation

/// Webhook signing as the Standard Webhooks specification defines it: a per-subscription secret
/// `whsec_<base64 key>`, and for each message the headers `webhook-id`, `webhook-timestamp` (Unix
/// seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
public enum WebhookSignature {
    /// A new secret: 24 random bytes.
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let key = (0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "whsec_" + Data(key).base64EncodedString()
    }

    /// The key inside a `whsec_` secret.
    static func key(of secret: String) -> SymmetricKey? {
        guard secret.hasPrefix("whsec_"), let bytes = Data(base64Encoded: String(secret.dropFirst(6))), !bytes.isEmpty else { return nil }
        return SymmetricKey(data: bytes)
    }

    /// The `webhook-signature` value for a message, or nil for a malformed secret.
    public static func sign(id: String, timestamp: Int, body: Data, secret: String) -> String? {
        guard let key = key(of: secret) else { return nil }
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The headers of one delivery attempt.
    public static func headers(id: String, timestamp: Int, body: Data, secret: String) -> [String]? {
        guard let signature = sign(id: id, timestamp: timestamp, body: body, secret: secret) else { return nil }
        return [
            "Content-Type: application/json", "webhook-id: \(id)", "webhook-timestamp: \(timestamp)", "webhook-signature: \(signature)",
        ]
    }
}
