import Foundation

/// Changes to a subscription's delivery or sensitivity; a field left out stays as it is.
public struct SubscriptionUpdateRequest: Codable, Sendable, Hashable {
    /// The subscription.
    public var id: String
    /// Only one of this owner's subscriptions; nil for any (local).
    public var owner: String?
    /// `instant`, `hourly`, `daily@08:00` or `weekly@mon@08:00`.
    public var digest: String?
    /// The IANA time zone of the digest time and quiet hours; `UTC` resets it.
    public var timeZone: String?
    /// At most this many instant alerts an hour; 0 removes the cap.
    public var maxPerHour: Int?
    /// `HH:MM-HH:MM`; `off` removes them.
    public var quietHours: String?
    /// Whether further outlets of an alerted story send an update.
    public var updates: Bool?
    /// A spike or silence subscription's sensitivity.
    public var sensitivity: WatchSensitivity?

    /// Creates a request.
    public init(
        id: String, owner: String? = nil, digest: String? = nil, timeZone: String? = nil, maxPerHour: Int? = nil, quietHours: String? = nil,
        updates: Bool? = nil, sensitivity: WatchSensitivity? = nil
    ) {
        self.id = id
        self.owner = owner
        self.digest = digest
        self.timeZone = timeZone
        self.maxPerHour = maxPerHour
        self.quietHours = quietHours
        self.updates = updates
        self.sensitivity = sensitivity
    }

    /// Whether the request changes the delivery (not only the sensitivity).
    public var changesDelivery: Bool { digest != nil || timeZone != nil || maxPerHour != nil || quietHours != nil || updates != nil }

    /// The schedule of a new subscription with these fields; nil when none is given.
    /// - Throws: ``ScheduleError`` for fields that do not make a valid schedule.
    public func newSchedule() throws(ScheduleError) -> DeliverySchedule? {
        changesDelivery ? try applied(to: .instant) : nil
    }

    /// `schedule` with these changes.
    /// - Throws: ``ScheduleError`` for a change that does not make a valid schedule.
    public func applied(to schedule: DeliverySchedule) throws(ScheduleError) -> DeliverySchedule {
        var changed = schedule
        if let digest { try changed.setDigest(digest) }
        if let timeZone { changed.timeZone = timeZone == "UTC" ? nil : timeZone }
        if let maxPerHour { changed.maxPerHour = maxPerHour == 0 ? nil : maxPerHour }
        if let quietHours { changed.quietHours = quietHours == "off" ? nil : quietHours }
        if let updates { changed.updates = updates ? nil : false }
        try changed.validate()
        return changed
    }
}

/// A subscription's next digest: shown, or sent now.
public struct DigestRequest: Codable, Sendable, Hashable {
    /// What to do.
    public enum Action: String, Codable, Sendable, Hashable {
        /// Show what it would contain, and when it is due; change nothing.
        case preview
        /// Make it now and put it in the outbox.
        case send
    }

    /// The subscription.
    public var id: String
    /// Only one of this owner's subscriptions; nil for any.
    public var owner: String?
    /// Preview or send.
    public var action: Action

    /// Creates a request.
    public init(id: String, owner: String? = nil, action: Action = .preview) {
        self.id = id
        self.owner = owner
        self.action = action
    }
}

/// What a digest request found.
public struct DigestReply: Codable, Sendable, Hashable {
    /// The digest: what is held now (a preview), or what was sent; nil when nothing is held.
    public var digest: Digest?
    /// When the held alerts are due (nil when nothing is held).
    public var dueAt: Date?
    /// True when the digest was put in the outbox by this request.
    public var sent: Bool
    /// The subscription's schedule, as `newsctl subscriptions` shows it.
    public var schedule: String

    /// Creates a reply.
    public init(digest: Digest?, dueAt: Date?, sent: Bool, schedule: String) {
        self.digest = digest
        self.dueAt = dueAt
        self.sent = sent
        self.schedule = schedule
    }
}

/// The time a notify started with `--simulated-clock` should read from now on.
public struct ClockSetRequest: Codable, Sendable, Hashable {
    /// The new reading; the clock runs on from it at the real rate.
    public var at: Date

    /// Creates a request.
    public init(at: Date) { self.at = at }
}

/// What notify's clock reads.
public struct ClockReading: Codable, Sendable, Hashable {
    /// Its time now.
    public var now: Date
    /// True when it is a simulated clock.
    public var simulated: Bool

    /// Creates a reading.
    public init(now: Date, simulated: Bool) {
        self.now = now
        self.simulated = simulated
    }
}

/// An unsubscription by the link in an e-mail: the subscription and the token that signs it
/// (docs/ALERTS.md says how the token is made), so that no other credential is needed and nobody
/// without the mail can unsubscribe someone else.
public struct SignedUnsubscribeRequest: Codable, Sendable, Hashable {
    /// The subscription.
    public var id: String
    /// The link's token.
    public var token: String

    /// Creates a request.
    public init(id: String, token: String) {
        self.id = id
        self.token = token
    }
}
