import Foundation

/// What `ingest` did with submitted lines.
public struct SubmitResult: Codable, Sendable, Hashable {
    /// A line that became a story.
    public struct Accepted: Codable, Sendable, Hashable {
        /// Its line number.
        public var line: Int
        /// The story id.
        public var id: String
        /// Creates an entry.
        public init(line: Int, id: String) {
            self.line = line
            self.id = id
        }
    }

    /// A line that was refused.
    public struct Refused: Codable, Sendable, Hashable {
        /// Its line number.
        public var line: Int
        /// Why.
        public var error: String
        /// Creates an entry.
        public init(line: Int, error: String) {
            self.line = line
            self.error = error
        }
    }

    /// A line that was an exact duplicate of a story ingest already had, and was skipped.
    public struct Duplicate: Codable, Sendable, Hashable {
        /// Its line number.
        public var line: Int
        /// The story id it would have had.
        public var id: String
        /// The id of the story it duplicates.
        public var duplicateOf: String
        /// Creates an entry.
        public init(line: Int, id: String, duplicateOf: String) {
            self.line = line
            self.id = id
            self.duplicateOf = duplicateOf
        }
    }

    /// Lines that became stories.
    public var accepted: [Accepted]
    /// Lines that were refused, with the reason.
    public var refused: [Refused]
    /// Lines that were exact duplicates and were skipped.
    public var duplicates: [Duplicate]

    /// Creates a result.
    public init(accepted: [Accepted] = [], refused: [Refused] = [], duplicates: [Duplicate] = []) {
        self.accepted = accepted
        self.refused = refused
        self.duplicates = duplicates
    }
}

/// One search hit.
public struct SearchHit: Codable, Sendable, Hashable {
    /// The story id.
    public var id: String
    /// The headline.
    public var headline: String
    /// Who carried it.
    public var source: String?
    /// Where to read it.
    public var url: String?
    /// When it was published.
    public var publishedAt: Date?
    /// Entities by type: `place`, `person`, `organization`.
    public var entities: [String: [String]]
    /// Topic labels.
    public var topics: [String]
    /// A passage with the matched words in `[brackets]`.
    public var snippet: String
    /// The relevance score (higher is better); 0 when the query has no words.
    public var score: Double

    /// Creates a hit.
    public init(
        id: String, headline: String, source: String?, url: String?, publishedAt: Date?, entities: [String: [String]],
        topics: [String], snippet: String, score: Double
    ) {
        self.id = id
        self.headline = headline
        self.source = source
        self.url = url
        self.publishedAt = publishedAt
        self.entities = entities
        self.topics = topics
        self.snippet = snippet
        self.score = score
    }
}

/// A page of search results.
public struct SearchResult: Codable, Sendable, Hashable {
    /// The query in canonical form.
    public var query: String
    /// How many stories match in all.
    public var total: Int
    /// This page's hits.
    public var hits: [SearchHit]
    /// For each volume the search asked for, the matching stories in each of its stretches, in order.
    public var volumes: [[Int]]?

    /// Creates a result.
    public init(query: String, total: Int, hits: [SearchHit], volumes: [[Int]]? = nil) {
        self.query = query
        self.total = total
        self.hits = hits
        self.volumes = volumes
    }
}

/// The subscription a subscribe request made or found.
public struct SubscribeResult: Codable, Sendable, Hashable {
    /// The subscription.
    public var subscription: Subscription
    /// False when an identical query was already subscribed and its subscription is returned.
    public var created: Bool
    /// The webhook's signing secret (`whsec_…`), given once: when a subscription with a webhook is created.
    public var webhookSecret: String?
    /// With a backfill: how many stored stories alerted (alerts already sent are not counted again).
    public var backfilled: Int?

    /// Creates a result.
    public init(subscription: Subscription, created: Bool, webhookSecret: String? = nil, backfilled: Int? = nil) {
        self.subscription = subscription
        self.created = created
        self.webhookSecret = webhookSecret
        self.backfilled = backfilled
    }
}

/// A stage's health and counters, as `newsctl status` shows them.
public struct StageStatus: Codable, Sendable, Hashable {
    /// The stage: `ingest`, `tag`, `index` or `notify`.
    public var stage: String
    /// The instance's producer id, such as `tag-0`.
    public var instance: String
    /// The process id.
    public var pid: Int32
    /// When the process started.
    public var startedAt: Date
    /// The producer epoch of this start.
    public var epoch: UInt64
    /// The endpoints by role, such as `publish` or `control`.
    public var endpoints: [String: String]
    /// How many subscriptions listeners hold on this stage's live pub/sub stream; nil without one.
    public var subscribers: Int?
    /// Counters such as `received`, `published` and `decode_errors`.
    public var counters: [String: Int]
    /// Input messages handled per second over the last ten seconds.
    public var throughput: Double
    /// Input messages journaled upstream and not yet handled by this stage's group; nil without input.
    public var lag: UInt64?
    /// The producers this stage reads, with the group's position at each; nil without input.
    public var sources: [FeedSourceStatus]?
    /// The consumer groups reading this stage's feed; nil without output.
    public var feeds: [FeedGroupStatus]?
    /// What keeps the stage from working, such as a journal whose file was removed; nil when nothing does.
    public var problem: String?

    /// Creates a status.
    public init(
        stage: String, instance: String, pid: Int32, startedAt: Date, epoch: UInt64, endpoints: [String: String],
        subscribers: Int?, counters: [String: Int], throughput: Double = 0, lag: UInt64? = nil,
        sources: [FeedSourceStatus]? = nil, feeds: [FeedGroupStatus]? = nil
    ) {
        self.stage = stage
        self.instance = instance
        self.pid = pid
        self.startedAt = startedAt
        self.epoch = epoch
        self.endpoints = endpoints
        self.subscribers = subscribers
        self.counters = counters
        self.throughput = throughput
        self.lag = lag
        self.sources = sources
        self.feeds = feeds
    }
}
