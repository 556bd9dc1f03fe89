import Crypto
import Foundation

/// The personal unsubscribe link of an e-mail: `<base>?subscription=<id>&token=<token>`, where the
/// token is the HMAC-SHA256 of `unsubscribe:<id>` under the subscription's `whsec_` key, base64url
/// without padding. Only notify (and the subscriber, who was given the secret once) can make one, so
/// the link needs no other credential, and a guessed id unsubscribes nobody.
enum UnsubscribeLink {
    /// The token for a subscription; nil for a malformed secret.
    static func token(subscriptionID: String, secret: String) -> String? {
        guard let key = WebhookSignature.key(of: secret) else { return nil }
        let mac = HMAC<SHA256>.authenticationCode(for: Data("unsubscribe:\(subscriptionID)".utf8), using: key)
        return Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The link for a subscription under `base` (a URL that may have a query already).
    static func url(base: String, subscriptionID: String, secret: String) -> String? {
        guard let token = token(subscriptionID: subscriptionID, secret: secret) else { return nil }
        return "\(base)\(base.contains("?") ? "&" : "?")subscription=\(subscriptionID)&token=\(token)"
    }

    /// Whether `token` signs `subscriptionID` under `secret`, compared in constant time.
    static func verify(_ token: String, subscriptionID: String, secret: String) -> Bool {
        guard let expected = self.token(subscriptionID: subscriptionID, secret: secret) else { return false }
        let given = Array(token.utf8)
        let wanted = Array(expected.utf8)
        guard given.count == wanted.count else { return false }
        return zip(given, wanted).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
