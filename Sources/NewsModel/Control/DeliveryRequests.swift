import Foundation

/// Where a webhook delivery stands.
public enum DeliveryState: String, Codable, Sendable, CaseIterable {
    /// Waiting for its first or next attempt.
    case pending
    /// The receiver answered 2xx.
    case delivered
    /// Given up on (too many failed attempts, a refused address, `410 Gone`): a dead letter, which
    /// `newsctl deliveries replay` sends again.
    case dead
}

/// One alert's delivery to a subscription's webhook, as `newsctl deliveries` shows it.
public struct WebhookDelivery: Codable, Sendable, Hashable {
    /// The message id sent as `webhook-id` (the alert id): the same on every attempt.
    public var id: String
    /// The subscription.
    public var subscriptionID: String
    /// Where it goes.
    public var url: String
    /// Where it stands.
    public var state: DeliveryState
    /// Attempts made so far.
    public var attempts: Int
    /// Why the last attempt failed.
    public var lastError: String?
    /// When the next attempt is due (pending deliveries).
    public var nextAttemptAt: Date?
    /// When the alert was made.
    public var createdAt: Date
    /// When the receiver accepted it.
    public var deliveredAt: Date?

    /// Creates a delivery record.
    public init(
        id: String, subscriptionID: String, url: String, state: DeliveryState, attempts: Int, lastError: String?, nextAttemptAt: Date?,
        createdAt: Date, deliveredAt: Date?
    ) {
        self.id = id
        self.subscriptionID = subscriptionID
        self.url = url
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
        self.nextAttemptAt = nextAttemptAt
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }
}

/// Which deliveries to list.
public struct DeliveriesRequest: Codable, Sendable, Hashable {
    /// Only deliveries in this state, or all.
    public var state: DeliveryState?
    /// How many, newest first.
    public var limit: Int
    /// Only deliveries of this owner's subscriptions; nil for all.
    public var owner: String?

    /// Creates a request.
    public init(state: DeliveryState? = nil, limit: Int = 50, owner: String? = nil) {
        self.state = state
        self.limit = limit
        self.owner = owner
    }
}

/// Dead letters to deliver again: one by id, or every dead letter.
public struct ReplayRequest: Codable, Sendable, Hashable {
    /// One delivery's id, or nil for every dead letter.
    public var id: String?
    /// Only dead letters of this owner's subscriptions; nil for all.
    public var owner: String?

    /// Creates a request.
    public init(id: String? = nil, owner: String? = nil) {
        self.id = id
        self.owner = owner
    }
}

/// How many dead letters were put back in the outbox.
public struct ReplayResult: Codable, Sendable, Hashable {
    /// How many.
    public var replayed: Int

    /// Creates a result.
    public init(replayed: Int) { self.replayed = replayed }
}
