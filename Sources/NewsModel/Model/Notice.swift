import Foundation

/// What a subscription watches for: each matching story (an alert), a jump in how many stories match
/// (a spike), or a query that has gone quiet (a silence).
public enum SubscriptionKind: String, Codable, Sendable, Hashable, CaseIterable {
    /// An alert per matching story (at once or in digests).
    case alert
    /// A notice when the hourly count of matching stories jumps above its baseline.
    case spike
    /// A notice when no story has matched for several times the usual gap between them.
    case silence
}

/// How readily a spike or silence subscription fires (docs/ALERTS.md gives each level's numbers).
public enum WatchSensitivity: String, Codable, Sendable, Hashable, CaseIterable {
    /// Only large, clear changes.
    case low
    /// The default.
    case medium
    /// Smaller changes too.
    case high
}

/// One story in a digest, with every outlet that carried it.
public struct DigestStory: Codable, Sendable, Hashable {
    /// The alert the story made (the subscription and the story's near-duplicate cluster).
    public var alertID: String
    /// The headline of the first copy.
    public var headline: String
    /// Where the first copy can be read.
    public var url: String?
    /// When the first copy was published.
    public var publishedAt: Date?
    /// Every outlet that carried the story, the first first.
    public var outlets: [String]
    /// The outlets the subscriber has not been told of yet (all of them for a story new to the digest).
    public var newOutlets: [String]
    /// True when the subscriber was already alerted to this story: the entry is an update.
    public var update: Bool
    /// Why it matched, one line per clause.
    public var why: [String]

    /// Creates an entry.
    public init(
        alertID: String, headline: String, url: String?, publishedAt: Date?, outlets: [String], newOutlets: [String], update: Bool,
        why: [String]
    ) {
        self.alertID = alertID
        self.headline = headline
        self.url = url
        self.publishedAt = publishedAt
        self.outlets = outlets
        self.newOutlets = newOutlets
        self.update = update
        self.why = why
    }
}

/// Alerts held for a subscription, delivered together and grouped by story.
public struct Digest: Codable, Sendable, Hashable {
    /// `dig_…`, unique per subscription and due time: a digest is made once, however many notify
    /// replicas run.
    public var id: String
    /// The subscription.
    public var subscriptionID: String
    /// Its query.
    public var query: String
    /// When it was due (a preview: when it will be).
    public var dueAt: Date
    /// When it was made.
    public var createdAt: Date
    /// Its stories, newest first.
    public var stories: [DigestStory]

    /// Creates a digest.
    public init(id: String, subscriptionID: String, query: String, dueAt: Date, createdAt: Date, stories: [DigestStory]) {
        self.id = id
        self.subscriptionID = subscriptionID
        self.query = query
        self.dueAt = dueAt
        self.createdAt = createdAt
        self.stories = stories
    }

    /// True when every entry is an update of a story already alerted.
    public var isUpdateOnly: Bool { !stories.isEmpty && stories.allSatisfy(\.update) }
}

/// A word or entity seen more often in a spike's stories than before, with how strongly.
public struct OverRepresentedTerm: Codable, Sendable, Hashable {
    /// The entity's name or the word.
    public var term: String
    /// Stories of the spike that have it.
    public var spikeStories: Int
    /// Stories of the baseline window that have it.
    public var baselineStories: Int
    /// The z-score of its log-odds ratio (Monroe, Colaresi and Quinn 2008).
    public var score: Double

    /// Creates a term.
    public init(term: String, spikeStories: Int, baselineStories: Int, score: Double) {
        self.term = term
        self.spikeStories = spikeStories
        self.baselineStories = baselineStories
        self.score = score
    }
}

/// A story a notice links to.
public struct NoticeStory: Codable, Sendable, Hashable {
    /// Its id.
    public var id: String
    /// Its headline.
    public var headline: String
    /// Where it can be read.
    public var url: String?
    /// Who carried it.
    public var source: String?

    /// Creates a link.
    public init(id: String, headline: String, url: String?, source: String?) {
        self.id = id
        self.headline = headline
        self.url = url
        self.source = source
    }
}

/// The count of a query's stories in the last hour jumped above its baseline.
public struct SpikeNotice: Codable, Sendable, Hashable {
    /// `spk_…`, one per subscription and hour.
    public var id: String
    /// The spike subscription.
    public var subscriptionID: String
    /// Its query.
    public var query: String
    /// The hour counted: stories matched from `windowStart` to `windowEnd`.
    public var windowStart: Date
    /// The end of the hour counted, when the spike was found.
    public var windowEnd: Date
    /// Distinct stories (near-duplicate clusters) in the hour.
    public var count: Int
    /// The stories an hour expected: the EWMA of the past hourly counts.
    public var baseline: Double
    /// The deviation the z-score divides by.
    public var deviation: Double
    /// `(count - baseline) / deviation`.
    public var zScore: Double
    /// The sensitivity it was judged at.
    public var sensitivity: WatchSensitivity
    /// The entities most over-represented in the hour's stories.
    public var entities: [OverRepresentedTerm]
    /// The headline words most over-represented in the hour's stories.
    public var words: [OverRepresentedTerm]
    /// Some of the hour's stories, newest first.
    public var stories: [NoticeStory]

    /// Creates a notice.
    public init(
        id: String, subscriptionID: String, query: String, windowStart: Date, windowEnd: Date, count: Int, baseline: Double, deviation: Double,
        zScore: Double, sensitivity: WatchSensitivity, entities: [OverRepresentedTerm], words: [OverRepresentedTerm], stories: [NoticeStory]
    ) {
        self.id = id
        self.subscriptionID = subscriptionID
        self.query = query
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.count = count
        self.baseline = baseline
        self.deviation = deviation
        self.zScore = zScore
        self.sensitivity = sensitivity
        self.entities = entities
        self.words = words
        self.stories = stories
    }
}

/// No story has matched a query (typically `source:"…"`, one feed or outlet) for several times its
/// usual gap.
public struct SilenceNotice: Codable, Sendable, Hashable {
    /// `sil_…`, one per subscription and silence.
    public var id: String
    /// The silence subscription.
    public var subscriptionID: String
    /// Its query.
    public var query: String
    /// When the last matching story arrived.
    public var lastStoryAt: Date
    /// The usual gap between matching stories (the median of recent gaps), in seconds.
    public var usualGapSeconds: Double
    /// How long it has been silent when found, in seconds.
    public var silentSeconds: Double
    /// How many usual gaps make a silence.
    public var factor: Double
    /// The stories the same stretch of the day brought on the past days (their mean, or the count a week
    /// before when lower); nil before a day of history.
    public var expectedStories: Double?
    /// The last matching story.
    public var lastStory: NoticeStory?

    /// Creates a notice.
    public init(
        id: String, subscriptionID: String, query: String, lastStoryAt: Date, usualGapSeconds: Double, silentSeconds: Double, factor: Double,
        expectedStories: Double? = nil, lastStory: NoticeStory?
    ) {
        self.id = id
        self.subscriptionID = subscriptionID
        self.query = query
        self.lastStoryAt = lastStoryAt
        self.usualGapSeconds = usualGapSeconds
        self.silentSeconds = silentSeconds
        self.factor = factor
        self.expectedStories = expectedStories
        self.lastStory = lastStory
    }
}

/// Anything notify delivers to a destination: an alert, a digest (or a story update), a spike or a
/// silence. Webhooks get it as `{type, timestamp, data}` (Standard Webhooks).
public enum Notice: Sendable, Hashable {
    /// One story matched.
    case alert(Alert)
    /// Held alerts and story updates, grouped by story.
    case digest(Digest)
    /// A jump in volume.
    case spike(SpikeNotice)
    /// A query gone quiet.
    case silence(SilenceNotice)

    /// The webhook event type: `alert.created`, `digest.created`, `story.updated` (a digest of updates
    /// only), `spike.detected` or `silence.detected`.
    public var type: String {
        switch self {
        case .alert: "alert.created"
        case .digest(let digest): digest.isUpdateOnly ? "story.updated" : "digest.created"
        case .spike: "spike.detected"
        case .silence: "silence.detected"
        }
    }

    /// The id of the notice (the delivery's id, and the e-mail's Message-ID).
    public var id: String {
        switch self {
        case .alert(let alert): alert.id
        case .digest(let digest): digest.id
        case .spike(let spike): spike.id
        case .silence(let silence): silence.id
        }
    }

    /// The subscription it is for.
    public var subscriptionID: String {
        switch self {
        case .alert(let alert): alert.subscriptionID
        case .digest(let digest): digest.subscriptionID
        case .spike(let spike): spike.subscriptionID
        case .silence(let silence): silence.subscriptionID
        }
    }
}

extension Notice: Codable {
    enum CodingKeys: String, CodingKey { case type, timestamp, data }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .type) {
        case "alert.created": self = .alert(try container.decode(Alert.self, forKey: .data))
        case "digest.created", "story.updated": self = .digest(try container.decode(Digest.self, forKey: .data))
        case "spike.detected": self = .spike(try container.decode(SpikeNotice.self, forKey: .data))
        case "silence.detected": self = .silence(try container.decode(SilenceNotice.self, forKey: .data))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "unknown notice type \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        switch self {
        case .alert(let alert):
            try container.encode(alert.createdAt, forKey: .timestamp)
            try container.encode(alert, forKey: .data)
        case .digest(let digest):
            try container.encode(digest.createdAt, forKey: .timestamp)
            try container.encode(digest, forKey: .data)
        case .spike(let spike):
            try container.encode(spike.windowEnd, forKey: .timestamp)
            try container.encode(spike, forKey: .data)
        case .silence(let silence):
            try container.encode(silence.lastStoryAt.addingTimeInterval(silence.silentSeconds), forKey: .timestamp)
            try container.encode(silence, forKey: .data)
        }
    }
}
