import Foundation

/// A stored query whose matches are delivered as alerts.
public struct Subscription: Codable, Sendable, Hashable {
    /// The id, `sub_` and 16 hex digits; the alert stream's topic for it is `alert.<id>`.
    public var id: String
    /// The query, in the query language (docs/QUERY.md).
    public var query: String
    /// When it was created.
    public var createdAt: Date

    /// Creates a subscription.
    public init(id: String, query: String, createdAt: Date = Date()) {
        self.id = id
        self.query = query
        self.createdAt = createdAt
    }

    /// A new random subscription id.
    public static func newID() -> String {
        "sub_" + String(format: "%016llx", UInt64.random(in: 0...UInt64.max))
    }
}

/// The part of a story an alert carries.
public struct AlertStory: Codable, Sendable, Hashable {
    /// The story id.
    public var id: String
    /// The headline.
    public var headline: String
    /// Where it can be read.
    public var url: String?
    /// Who carried it.
    public var source: String?
    /// When it was published.
    public var publishedAt: Date?
    /// Place names tagged in it.
    public var places: [String]
    /// Topic labels tagged in it.
    public var topics: [String]

    /// Creates the alert's view of a tagged story.
    public init(_ tagged: TaggedStory) {
        id = tagged.story.id
        headline = tagged.story.headline
        url = tagged.story.url
        source = tagged.story.source
        publishedAt = tagged.story.publishedAt
        places = tagged.entities.filter { $0.type == .place }.map(\.name)
        topics = tagged.topics.map(\.label)
    }
}

/// A notice that a story matched a subscription.
public struct Alert: Codable, Sendable, Hashable {
    /// The alert id: the subscription id and the story id.
    public var id: String
    /// The subscription that matched.
    public var subscriptionID: String
    /// The subscription's query.
    public var query: String
    /// The story.
    public var story: AlertStory
    /// Why it fired: the query clauses the story satisfied.
    public var matched: [String]
    /// When the alert was made.
    public var createdAt: Date

    /// Creates an alert.
    public init(subscription: Subscription, story: TaggedStory, matched: [String], createdAt: Date = Date()) {
        id = subscription.id + "/" + story.story.id
        subscriptionID = subscription.id
        query = subscription.query
        self.story = AlertStory(story)
        self.matched = matched
        self.createdAt = createdAt
    }
}
