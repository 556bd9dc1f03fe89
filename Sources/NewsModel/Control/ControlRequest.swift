import Foundation

/// A request to a stage's control endpoint (docs/PROTOCOL.md): `{"v":1,"method":…,"params":…}`.
public enum ControlRequest: Sendable, Hashable {
    /// Any stage: its ``StageStatus``.
    case status
    /// `ingest`: accept input lines. Reply: ``SubmitResult``.
    case submit(SubmitRequest)
    /// `ingest`: accept a whole document (a feed, a story file, a digest). Reply: ``SubmitResult``,
    /// numbering the document's stories from 1.
    case submitDocument(SubmitDocumentRequest)
    /// `ingest`: poll a feed URL (or change its interval or name). Reply: its ``PolledFeed``.
    case addFeed(FeedAddRequest)
    /// `ingest`: the feeds it polls. Reply: `[PolledFeed]`.
    case listFeeds
    /// `ingest`: stop polling a feed. Reply: its last ``PolledFeed``.
    case removeFeed(FeedURLRequest)
    /// `ingest`: journal stored stories again, unchanged, for retagging. Reply: ``SubmitResult``.
    case resubmit(ResubmitRequest)
    /// `index`: search. Reply: ``SearchResult``.
    case search(SearchRequest)
    /// `index`: stored stories, oldest first, a page at a time. Reply: ``StoriesPage``.
    case stories(StoriesRequest)
    /// `notify`: store a subscription. Reply: ``SubscribeResult``.
    case subscribe(SubscribeRequest)
    /// `notify`: every subscription, or one owner's. Reply: `[Subscription]`.
    case listSubscriptions(OwnerScope)
    /// `notify`: remove a subscription (only the owner's, when an owner is given). Reply: the removed
    /// ``Subscription``.
    case unsubscribe(id: String, owner: String?)
    /// `notify`: change a subscription's delivery (digest, time zone, cap, quiet hours, updates) or
    /// sensitivity. Reply: the changed ``Subscription``.
    case updateSubscription(SubscriptionUpdateRequest)
    /// `notify`: what a subscription's next digest holds, or send it now. Reply: ``DigestReply``.
    case digest(DigestRequest)
    /// `notify` started with `--simulated-clock`: set its clock. Reply: ``ClockReading``.
    case setClock(ClockSetRequest)
    /// `notify`: remove a subscription by its e-mail's unsubscribe link. Reply: the removed
    /// ``Subscription``; `not_found` for an unknown id or a token that does not sign it.
    case unsubscribeSigned(SignedUnsubscribeRequest)
    /// `notify`: stored alerts, newest first. Reply: `[Alert]`.
    case listAlerts(AlertsRequest)
    /// `index`: stored stories that match a query, oldest first, for a subscription's backfill.
    /// Reply: `[TaggedStory]`.
    case backfill(BackfillRequest)
    /// `notify`: webhook deliveries, newest first. Reply: `[WebhookDelivery]`.
    case listDeliveries(DeliveriesRequest)
    /// `notify`: deliver dead letters again. Reply: ``ReplayResult``.
    case replayDeliveries(ReplayRequest)
    /// `notify`: make an API token. Reply: ``TokenCreateResult``, the only time the secret is sent.
    case createToken(TokenCreateRequest)
    /// `notify`: every API token, revoked ones too, without secrets. Reply: `[APIToken]`.
    case listTokens
    /// `notify`: revoke a token by id. Reply: its ``APIToken``.
    case revokeToken(id: String)
    /// `notify`: check a bearer token. Reply: its ``APIToken``; `unauthorized` when it is unknown,
    /// wrong or revoked.
    case verifyToken(TokenVerifyRequest)

    /// Every method a stage answers, by its name on the wire. The decoder switches over these and
    /// ``kind`` over the requests, both exhaustively, so this list is the protocol's (docs/PROTOCOL.md
    /// lists the same, which a test checks).
    public enum Method: String, CaseIterable, Sendable {
        case status, submit, resubmit, search, stories, subscribe, unsubscribe, backfill
        case submitDocument = "submit_document"
        case addFeed = "feeds_add"
        case listFeeds = "feeds"
        case removeFeed = "feeds_remove"
        case listSubscriptions = "subscriptions"
        case listAlerts = "alerts"
        case listDeliveries = "deliveries"
        case replayDeliveries = "deliveries_replay"
        case createToken = "tokens_create"
        case listTokens = "tokens"
        case revokeToken = "tokens_revoke"
        case verifyToken = "tokens_verify"
        case updateSubscription = "subscriptions_update"
        case digest
        case setClock = "clock_set"
        case unsubscribeSigned = "unsubscribe_signed"
    }

    /// The request's method.
    public var kind: Method {
        switch self {
        case .status: .status
        case .submit: .submit
        case .submitDocument: .submitDocument
        case .addFeed: .addFeed
        case .listFeeds: .listFeeds
        case .removeFeed: .removeFeed
        case .resubmit: .resubmit
        case .search: .search
        case .stories: .stories
        case .subscribe: .subscribe
        case .listSubscriptions: .listSubscriptions
        case .unsubscribe: .unsubscribe
        case .listAlerts: .listAlerts
        case .backfill: .backfill
        case .listDeliveries: .listDeliveries
        case .replayDeliveries: .replayDeliveries
        case .createToken: .createToken
        case .listTokens: .listTokens
        case .revokeToken: .revokeToken
        case .verifyToken: .verifyToken
        case .updateSubscription: .updateSubscription
        case .digest: .digest
        case .setClock: .setClock
        case .unsubscribeSigned: .unsubscribeSigned
        }
    }

    /// The method name on the wire.
    public var method: String { kind.rawValue }
}

/// Lines of input for `ingest`, numbered so that errors can name them.
public struct SubmitRequest: Codable, Sendable, Hashable {
    /// Where the lines come from, such as a file name; used in error messages.
    public var source: String
    /// The line number of the first line.
    public var firstLine: Int
    /// The lines, each one JSON story.
    public var lines: [String]

    /// Creates a submission.
    public init(source: String, firstLine: Int, lines: [String]) {
        self.source = source
        self.firstLine = firstLine
        self.lines = lines
    }
}

/// A whole document for `ingest` to parse: RSS, Atom, JSON Feed, a story file or a digest.
public struct SubmitDocumentRequest: Codable, Sendable, Hashable {
    /// Where it comes from, such as a file name; the stories' source when the document names none.
    public var source: String
    /// The document's bytes (base64 in JSON).
    public var data: Data

    /// Creates a submission.
    public init(source: String, data: Data) {
        self.source = source
        self.data = data
    }
}

/// A search for `index`.
public struct SearchRequest: Codable, Sendable, Hashable {
    /// How results are ordered.
    public enum Sort: String, Codable, Sendable, Hashable, CaseIterable {
        /// Best match first (BM25, headline weighted above body).
        case relevance
        /// Newest first.
        case date
    }

    /// The query, in the query language.
    public var query: String
    /// How many hits to return.
    public var limit: Int
    /// How many hits to skip.
    public var offset: Int
    /// The order.
    public var sort: Sort
    /// Also count the matching stories per stretch of time, for each of these (at most
    /// ``VolumeRequest/maxPerSearch``); the result's `volumes` has one list of counts for each.
    public var volumes: [VolumeRequest]?

    /// Creates a search.
    public init(query: String, limit: Int = 10, offset: Int = 0, sort: Sort = .relevance, volumes: [VolumeRequest]? = nil) {
        self.query = query
        self.limit = limit
        self.offset = offset
        self.sort = sort
        self.volumes = volumes
    }
}

/// Stretches of equal length one after another, in which a search counts its matching stories by
/// date (published, or received when a story has no publication date): a histogram in one call.
public struct VolumeRequest: Codable, Sendable, Hashable {
    /// Where the first stretch begins (taken to the whole second before).
    public var start: Date
    /// How long each stretch is, in whole seconds.
    public var seconds: Int
    /// How many stretches.
    public var buckets: Int

    /// The most stretches one volume may have.
    public static let maxBuckets = 1_000
    /// The most volumes one search may ask for.
    public static let maxPerSearch = 4

    /// Creates a volume of `buckets` stretches of `seconds` each, the first beginning at `start`.
    public init(start: Date, seconds: Int, buckets: Int) {
        self.start = start
        self.seconds = seconds
        self.buckets = buckets
    }

    /// Why these volumes cannot be counted, or nil when they can.
    public static func problem(with volumes: [VolumeRequest]) -> String? {
        if volumes.count > maxPerSearch { return "at most \(maxPerSearch) volumes per search, not \(volumes.count)" }
        for volume in volumes {
            // Years 1 to 9999, as dates are written; whole seconds from then on are exact.
            guard (-62_135_596_800.0...253_402_300_799.0).contains(volume.start.timeIntervalSince1970) else {
                return "a volume starts in the years 1 to 9999"
            }
            guard (1...(366 * 86_400)).contains(volume.seconds) else {
                return "a volume's stretch is 1 second to 366 days, not \(volume.seconds) seconds"
            }
            guard (1...maxBuckets).contains(volume.buckets) else { return "a volume has 1 to \(maxBuckets) stretches, not \(volume.buckets)" }
        }
        return nil
    }
}

/// A new subscription for `notify`.
public struct SubscribeRequest: Codable, Sendable, Hashable {
    /// The query, in the query language.
    public var query: String
    /// A URL to POST each alert to (Standard Webhooks), if any.
    public var webhook: String?
    /// Also alert on the stored stories of this many seconds back (`--backfill 7d`), before live alerts.
    public var backfillSeconds: Int?
    /// Who owns it (the gateway's token owner); nil for a local subscription.
    public var owner: String?
    /// How the webhook's body is written (Slack, Teams, ntfy); nil is the standard signed webhook.
    public var webhookFormat: WebhookFormat?
    /// An address to e-mail each alert to (through notify's SMTP server), instead of a webhook.
    public var email: String?
    /// What it watches for: alerts (nil), spikes or silences.
    public var kind: SubscriptionKind?
    /// When alerts are delivered (digests, a cap, quiet hours); nil is at once.
    public var delivery: DeliverySchedule?
    /// How readily a spike or silence subscription fires; nil is medium.
    public var sensitivity: WatchSensitivity?
    /// For a silence subscription: how many usual gaps without a story make a silence.
    public var silenceFactor: Double?
    /// Creates a request.
    public init(
        query: String, webhook: String? = nil, backfillSeconds: Int? = nil, owner: String? = nil, webhookFormat: WebhookFormat? = nil,
        email: String? = nil, kind: SubscriptionKind? = nil, delivery: DeliverySchedule? = nil, sensitivity: WatchSensitivity? = nil,
        silenceFactor: Double? = nil
    ) {
        self.query = query
        self.webhook = webhook
        self.backfillSeconds = backfillSeconds
        self.owner = owner
        self.webhookFormat = webhookFormat
        self.email = email
        self.kind = kind
        self.delivery = delivery
        self.sensitivity = sensitivity
        self.silenceFactor = silenceFactor
    }

    /// Whether `address` is one mailbox, `local@domain`, with nothing a mail header could be split on.
    public static func isMailbox(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && address.utf8.count <= 254
            && !address.contains(where: { $0.isWhitespace || "<>,;:\"()[]\\".contains($0) || $0.isNewline })
    }
}

/// Stored stories matching a query, for a backfill.
public struct BackfillRequest: Codable, Sendable, Hashable {
    /// The query.
    public var query: String
    /// Only stories dated (published, or received when undated) at or after this.
    public var since: Date
    /// At most this many, oldest first.
    public var limit: Int

    /// Creates a request.
    public init(query: String, since: Date, limit: Int = 1000) {
        self.query = query
        self.since = since
        self.limit = limit
    }
}

/// Which stored alerts to list.
public struct AlertsRequest: Codable, Sendable, Hashable {
    /// Only this subscription's alerts, or all.
    public var subscriptionID: String?
    /// How many, newest first.
    public var limit: Int
    /// Only alerts of this owner's subscriptions; nil for all.
    public var owner: String?
    /// Creates a request.
    public init(subscriptionID: String? = nil, limit: Int = 20, owner: String? = nil) {
        self.subscriptionID = subscriptionID
        self.limit = limit
        self.owner = owner
    }
}

extension ControlRequest: Codable {
    enum CodingKeys: String, CodingKey { case version = "v", method, params }
    struct IDParams: Codable {
        var id: String
        var owner: String?
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .version)
        guard version == Envelope.currentVersion else {
            throw ControlFailure(code: .badRequest, message: "control protocol version \(version) is not supported")
        }
        let method = try container.decode(String.self, forKey: .method)
        guard let kind = Method(rawValue: method) else {
            throw ControlFailure(code: .unknownMethod, message: "unknown method \"\(method)\"")
        }
        switch kind {
        case .status: self = .status
        case .submit: self = .submit(try container.decode(SubmitRequest.self, forKey: .params))
        case .submitDocument: self = .submitDocument(try container.decode(SubmitDocumentRequest.self, forKey: .params))
        case .addFeed: self = .addFeed(try container.decode(FeedAddRequest.self, forKey: .params))
        case .listFeeds: self = .listFeeds
        case .removeFeed: self = .removeFeed(try container.decode(FeedURLRequest.self, forKey: .params))
        case .resubmit: self = .resubmit(try container.decode(ResubmitRequest.self, forKey: .params))
        case .stories: self = .stories(try container.decode(StoriesRequest.self, forKey: .params))
        case .search: self = .search(try container.decode(SearchRequest.self, forKey: .params))
        case .subscribe: self = .subscribe(try container.decode(SubscribeRequest.self, forKey: .params))
        case .listSubscriptions: self = .listSubscriptions(try container.decodeIfPresent(OwnerScope.self, forKey: .params) ?? OwnerScope())
        case .unsubscribe:
            let params = try container.decode(IDParams.self, forKey: .params)
            self = .unsubscribe(id: params.id, owner: params.owner)
        case .listAlerts: self = .listAlerts(try container.decode(AlertsRequest.self, forKey: .params))
        case .backfill: self = .backfill(try container.decode(BackfillRequest.self, forKey: .params))
        case .listDeliveries: self = .listDeliveries(try container.decode(DeliveriesRequest.self, forKey: .params))
        case .replayDeliveries: self = .replayDeliveries(try container.decode(ReplayRequest.self, forKey: .params))
        case .createToken: self = .createToken(try container.decode(TokenCreateRequest.self, forKey: .params))
        case .listTokens: self = .listTokens
        case .revokeToken: self = .revokeToken(id: try container.decode(IDParams.self, forKey: .params).id)
        case .verifyToken: self = .verifyToken(try container.decode(TokenVerifyRequest.self, forKey: .params))
        case .updateSubscription: self = .updateSubscription(try container.decode(SubscriptionUpdateRequest.self, forKey: .params))
        case .digest: self = .digest(try container.decode(DigestRequest.self, forKey: .params))
        case .setClock: self = .setClock(try container.decode(ClockSetRequest.self, forKey: .params))
        case .unsubscribeSigned: self = .unsubscribeSigned(try container.decode(SignedUnsubscribeRequest.self, forKey: .params))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Envelope.currentVersion, forKey: .version)
        try container.encode(method, forKey: .method)
        switch self {
        case .status, .listFeeds, .listTokens: break
        case .listSubscriptions(let scope): if scope.owner != nil { try container.encode(scope, forKey: .params) }
        case .addFeed(let params): try container.encode(params, forKey: .params)
        case .removeFeed(let params): try container.encode(params, forKey: .params)
        case .submit(let params): try container.encode(params, forKey: .params)
        case .submitDocument(let params): try container.encode(params, forKey: .params)
        case .search(let params): try container.encode(params, forKey: .params)
        case .resubmit(let params): try container.encode(params, forKey: .params)
        case .stories(let params): try container.encode(params, forKey: .params)
        case .subscribe(let params): try container.encode(params, forKey: .params)
        case .unsubscribe(let id, let owner): try container.encode(IDParams(id: id, owner: owner), forKey: .params)
        case .listAlerts(let params): try container.encode(params, forKey: .params)
        case .backfill(let params): try container.encode(params, forKey: .params)
        case .listDeliveries(let params): try container.encode(params, forKey: .params)
        case .replayDeliveries(let params): try container.encode(params, forKey: .params)
        case .createToken(let params): try container.encode(params, forKey: .params)
        case .revokeToken(let id): try container.encode(IDParams(id: id), forKey: .params)
        case .verifyToken(let params): try container.encode(params, forKey: .params)
        case .updateSubscription(let params): try container.encode(params, forKey: .params)
        case .digest(let params): try container.encode(params, forKey: .params)
        case .setClock(let params): try container.encode(params, forKey: .params)
        case .unsubscribeSigned(let params): try container.encode(params, forKey: .params)
        }
    }
}
