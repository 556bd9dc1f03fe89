import Foundation

/// How a subscription's webhook is written: the generic signed webhook, or a chat or push service's
/// own incoming-webhook format. Every format goes through the same outbox, address guard and retries.
public enum WebhookFormat: String, Codable, Sendable, Hashable, CaseIterable {
    /// Standard Webhooks: `{type, timestamp, data: Alert}`, signed (`webhook-id`, `-timestamp`, `-signature`).
    case standard
    /// A Slack-compatible incoming webhook: `text` for notifications and Block Kit `blocks`.
    case slack
    /// A Microsoft Teams-compatible incoming webhook (Workflows): a message with one Adaptive Card.
    case teams
    /// An ntfy topic URL (`https://ntfy.sh/mytopic`): ntfy's JSON publish format, sent to the server's root.
    case ntfy
}
