import Foundation

/// A feed for `ingest` to poll (`feeds_add`).
public struct FeedAddRequest: Codable, Sendable, Hashable {
    /// The feed's http or https URL.
    public var url: String
    /// Seconds between polls when the feed answers.
    public var intervalSeconds: Int
    /// The source to record for its stories when the feed names none.
    public var name: String?

    /// Creates a request.
    public init(url: String, intervalSeconds: Int = PolledFeed.defaultIntervalSeconds, name: String? = nil) {
        self.url = url
        self.intervalSeconds = intervalSeconds
        self.name = name
    }
}

/// Names one polled feed (`feeds_remove`).
public struct FeedURLRequest: Codable, Sendable, Hashable {
    /// The feed's URL as it was added.
    public var url: String
    /// Creates a request.
    public init(url: String) { self.url = url }
}

/// One polled feed and what `ingest` knows of it; kept across restarts.
public struct PolledFeed: Codable, Sendable, Hashable {
    /// Seconds between polls unless the user says otherwise.
    public static let defaultIntervalSeconds = 300
    /// The shortest interval accepted.
    public static let minimumIntervalSeconds = 1

    /// The feed's URL.
    public var url: String
    /// The source recorded for its stories when the feed names none.
    public var name: String?
    /// Seconds between polls when the feed answers.
    public var intervalSeconds: Int
    /// The `ingest` instance that polls it.
    public var instance: String
    /// When it was added.
    public var addedAt: Date
    /// When it is polled next (later than the interval after failures: backoff).
    public var nextPollAt: Date
    /// When it was last polled, whatever the outcome.
    public var lastPolledAt: Date?
    /// When it last answered with a feed or "not modified".
    public var lastSuccessAt: Date?
    /// The `ETag` of the last feed fetched, sent back as `If-None-Match`.
    public var etag: String?
    /// The `Last-Modified` of the last feed fetched, sent back as `If-Modified-Since`.
    public var lastModified: String?
    /// Polls made.
    public var polls: Int
    /// Polls answered "304 Not Modified".
    public var notModified: Int
    /// Polls that failed (network, HTTP status, size, time or a feed that does not parse).
    public var errors: Int
    /// Failures since the last success; the backoff grows with it.
    public var consecutiveErrors: Int
    /// The last failure, one sentence.
    public var lastError: String?
    /// When the last failure happened.
    public var lastErrorAt: Date?
    /// Stories journaled from this feed.
    public var storiesAccepted: Int
    /// Items skipped because `ingest` already had them.
    public var duplicates: Int

    /// Creates the state of a newly added feed, due at once.
    public init(url: String, name: String?, intervalSeconds: Int, instance: String, addedAt: Date) {
        self.url = url
        self.name = name
        self.intervalSeconds = intervalSeconds
        self.instance = instance
        self.addedAt = addedAt
        self.nextPollAt = addedAt
        polls = 0
        notModified = 0
        errors = 0
        consecutiveErrors = 0
        storiesAccepted = 0
        duplicates = 0
    }
}
