import Foundation

/// A stored query whose matches are delivered as alerts.
public struct Subscription: Codable, Sendable, Hashable {
    /// The id, `sub_` and 16 hex digits; the alert stream's topic for it is `alert.<id>`.
    public var id: String
    /// The query, in the query language (docs/QUERY.md).
    public var query: String
    /// When it was created.
    public var createdAt: Date
    /// The URL each alert is POSTed to, if the subscription has a webhook.
    public var webhook: String?
    /// Who owns it: the owner of the API token that made it; nil for a local one (newsctl).
    public var owner: String?
    /// How the webhook's body is written; nil is ``WebhookFormat/standard``.
    public var webhookFormat: WebhookFormat?
    /// What it watches for; nil is ``SubscriptionKind/alert``.
    public var kind: SubscriptionKind?
    /// When its alerts are delivered; nil is ``DeliverySchedule/instant``.
    public var delivery: DeliverySchedule?
    /// How readily a spike or silence subscription fires; nil is medium.
    public var sensitivity: WatchSensitivity?
    /// For a silence subscription: how many usual gaps without a story make a silence (nil: by sensitivity).
    public var silenceFactor: Double?

    /// Creates a subscription.
    public init(
        id: String, query: String, createdAt: Date = Date(), webhook: String? = nil, owner: String? = nil, webhookFormat: WebhookFormat? = nil,
        kind: SubscriptionKind? = nil, delivery: DeliverySchedule? = nil, sensitivity: WatchSensitivity? = nil, silenceFactor: Double? = nil
    ) {
        self.id = id
        self.query = query
        self.createdAt = createdAt
        self.webhook = webhook
        self.owner = owner
        self.webhookFormat = webhookFormat
        self.kind = kind
        self.delivery = delivery
        self.sensitivity = sensitivity
        self.silenceFactor = silenceFactor
    }

    /// What it watches for.
    public var watchKind: SubscriptionKind { kind ?? .alert }

    /// When its alerts are delivered.
    public var schedule: DeliverySchedule { delivery ?? .instant }

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

/// A field filter of the query that the story satisfied, with the tag behind it and why `tag` gave it.
public struct AlertTagMatch: Codable, Sendable, Hashable {
    /// The clause, such as `place:Iran`.
    public var clause: String
    /// The tag's name or label, such as `Iran`.
    public var tag: String
    /// The entity id or topic code, when the tag has one.
    public var id: String?
    /// The tagger's reason, such as `gazetteer: "Iran"` or `model: margin 0.31 over its threshold`.
    public var reason: String

    /// Creates a tag match.
    public init(clause: String, tag: String, id: String?, reason: String) {
        self.clause = clause
        self.tag = tag
        self.id = id
        self.reason = reason
    }
}

/// A notice that a story matched a subscription.
public struct Alert: Codable, Sendable, Hashable {
    /// The alert id: the subscription id and the story's near-duplicate cluster (the story id when it
    /// has none), so copies of one story make one alert.
    public var id: String
    /// The subscription that matched.
    public var subscriptionID: String
    /// The subscription's query.
    public var query: String
    /// The story.
    public var story: AlertStory
    /// Why it fired: the query clauses the story satisfied (outside any NOT).
    public var matched: [String]
    /// The query's words and phrases found in the story.
    public var terms: [String]?
    /// The field filters satisfied, each with its tag and the tagger's reason.
    public var tags: [AlertTagMatch]?
    /// When the alert was made.
    public var createdAt: Date

    /// Creates an alert from the clauses the story satisfied (``QueryMatcher/satisfiedClauses(_:_:now:)``).
    public init(subscription: Subscription, story: TaggedStory, satisfied: [QueryNode], createdAt: Date = Date()) {
        id = subscription.id + "/" + (story.story.clusterID ?? story.story.id)
        subscriptionID = subscription.id
        query = subscription.query
        self.story = AlertStory(story)
        matched = satisfied.map(\.description)
        var terms: [String] = []
        var tags: [AlertTagMatch] = []
        for clause in satisfied {
            switch clause {
            case .text(.term(let word), _), .text(.prefix(let word), _):
                terms.append(word)
            case .text(.phrase(let words), _):
                terms.append(words.joined(separator: " "))
            case .tag(_, _, let key):
                tags += story.tags(withKey: key).map { AlertTagMatch(clause: clause.description, tag: $0.name, id: $0.id, reason: $0.reason) }
            default:
                break
            }
        }
        self.terms = terms
        self.tags = tags
        self.createdAt = createdAt
    }
}
