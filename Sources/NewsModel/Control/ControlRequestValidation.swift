import Foundation

extension ControlRequest {
    /// Checks every number and size the request carries, so that a handler never computes with a value
    /// a client chose unchecked (a request is data, never a trusted value).
    /// - Throws: ``ControlFailure`` `badRequest` naming the parameter and its allowed range.
    public func validate() throws(ControlFailure) {
        switch self {
        case .status, .listFeeds, .listTokens:
            return
        case .listSubscriptions(let scope):
            try Self.check(scope.owner?.utf8.count ?? 0, "the length of owner", in: 0...200)
        case .submit(let submit):
            try Self.check(submit.lines.count, "lines", in: 0...StoryLimits.linesPerRequest)
            // Line numbers are for messages; they must stay numbers for the whole request.
            try Self.check(submit.firstLine, "firstLine", in: 1...(Int(Int32.max) * 1024))
            try Self.check(submit.source.utf8.count, "the length of source", in: 0...4096)
        case .submitDocument(let document):
            try Self.check(document.data.count, "the document's size in bytes", in: 0...StoryLimits.documentBytes)
            try Self.check(document.source.utf8.count, "the length of source", in: 0...4096)
        case .addFeed(let feed):
            try Self.check(feed.intervalSeconds, "intervalSeconds", in: PolledFeed.minimumIntervalSeconds...(30 * 86_400))
            try Self.check(feed.url.utf8.count, "the length of url", in: 1...StoryLimits.urlBytes)
            try Self.check(feed.name?.utf8.count ?? 0, "the length of name", in: 0...StoryLimits.sourceBytes)
        case .removeFeed(let feed):
            try Self.check(feed.url.utf8.count, "the length of url", in: 1...StoryLimits.urlBytes)
        case .resubmit(let resubmit):
            try Self.check(resubmit.stories.count, "stories", in: 0...StoryLimits.storiesPerRequest)
            for story in resubmit.stories {
                if let problem = StoryLimits.violation(
                    headline: story.headline, body: story.body, id: story.id, url: story.url, source: story.source,
                    language: story.language)
                {
                    throw ControlFailure(code: .badRequest, message: "story \(story.id.prefix(200)): \(problem)")
                }
            }
        case .search(let search):
            try Self.check(search.limit, "limit", in: 1...1000)
            try Self.check(search.offset, "offset", in: 0...100_000)
        case .stories(let stories):
            try Self.check(stories.limit, "limit", in: 1...1000)
            try Self.check(Int(clamping: stories.after ?? 0), "after", in: 0...Int(Int64.max))
        case .subscribe(let subscribe):
            try Self.check(subscribe.webhook?.utf8.count ?? 0, "the length of webhook", in: 0...StoryLimits.urlBytes)
            try Self.check(subscribe.owner?.utf8.count ?? 0, "the length of owner", in: 0...200)
            if let email = subscribe.email {
                guard SubscribeRequest.isMailbox(email) else { throw ControlFailure(code: .badRequest, message: "\(email.prefix(100)) is not an e-mail address") }
                guard subscribe.webhook == nil else { throw ControlFailure(code: .badRequest, message: "give a webhook or an e-mail address, not both") }
            }
            if subscribe.webhookFormat != nil && subscribe.webhook == nil {
                throw ControlFailure(code: .badRequest, message: "webhookFormat needs a webhook URL")
            }
            if let seconds = subscribe.backfillSeconds {
                try Self.check(seconds, "backfillSeconds", in: 1...(366 * 86_400))
            }
            try Self.checkWatch(subscribe)
        case .updateSubscription(let update):
            try Self.check(update.id.utf8.count, "the length of id", in: 1...200)
            try Self.check(update.owner?.utf8.count ?? 0, "the length of owner", in: 0...200)
            try Self.check(update.maxPerHour ?? 0, "maxPerHour", in: 0...10_000)
            do { _ = try update.applied(to: .instant) } catch { throw ControlFailure(code: .badRequest, message: error.message) }
        case .digest(let digest):
            try Self.check(digest.id.utf8.count, "the length of id", in: 1...200)
            try Self.check(digest.owner?.utf8.count ?? 0, "the length of owner", in: 0...200)
        case .unsubscribeSigned(let signed):
            try Self.check(signed.id.utf8.count, "the length of id", in: 1...200)
            try Self.check(signed.token.utf8.count, "the length of token", in: 1...200)
        case .setClock(let clock):
            guard clock.at.timeIntervalSince1970.isFinite, (0...4_102_444_800).contains(clock.at.timeIntervalSince1970) else {
                throw ControlFailure(code: .badRequest, message: "the clock's time must be between 1970 and 2100")
            }
        case .unsubscribe(let id, let owner):
            try Self.check(id.utf8.count, "the length of id", in: 1...200)
            try Self.check(owner?.utf8.count ?? 0, "the length of owner", in: 0...200)
        case .listAlerts(let alerts):
            try Self.check(alerts.limit, "limit", in: 1...1000)
        case .backfill(let backfill):
            try Self.check(backfill.limit, "limit", in: 1...1000)
        case .listDeliveries(let deliveries):
            try Self.check(deliveries.limit, "limit", in: 1...1000)
        case .replayDeliveries(let replay):
            try Self.check(replay.id?.utf8.count ?? 0, "the length of id", in: 0...200)
        case .createToken(let create):
            try Self.check(create.scopes.count, "the number of scopes", in: 1...TokenScope.allCases.count)
            try Self.check(create.owner?.utf8.count ?? 0, "the length of owner", in: 0...200)
            if let owner = create.owner, owner.isEmpty || owner.contains(where: \.isNewline) {
                throw ControlFailure(code: .badRequest, message: "owner must be a non-empty name on one line")
            }
        case .revokeToken(let id):
            try Self.check(id.utf8.count, "the length of id", in: 1...200)
        case .verifyToken(let verify):
            try Self.check(verify.token.utf8.count, "the length of token", in: 1...400)
        }
    }

    /// A schedule that parses, and the fields that go with the subscription's kind and destination.
    private static func checkWatch(_ subscribe: SubscribeRequest) throws(ControlFailure) {
        let hasDestination = subscribe.webhook != nil || subscribe.email != nil
        if let delivery = subscribe.delivery {
            do { try delivery.validate() } catch { throw ControlFailure(code: .badRequest, message: error.message) }
            if delivery != .instant && !hasDestination {
                throw ControlFailure(code: .badRequest, message: "a digest, cap or quiet hours need a destination: a webhook or an e-mail address")
            }
        }
        switch subscribe.kind ?? .alert {
        case .alert:
            if subscribe.sensitivity != nil || subscribe.silenceFactor != nil {
                throw ControlFailure(code: .badRequest, message: "sensitivity and silenceFactor go with spike and silence subscriptions")
            }
        case .spike, .silence:
            guard hasDestination else {
                throw ControlFailure(code: .badRequest, message: "a \((subscribe.kind ?? .alert).rawValue) subscription needs a destination: a webhook or an e-mail address")
            }
            if subscribe.backfillSeconds != nil || (subscribe.delivery.map { $0 != .instant } ?? false) {
                throw ControlFailure(code: .badRequest, message: "backfills and digests go with alert subscriptions, not \((subscribe.kind ?? .alert).rawValue) ones")
            }
            if let factor = subscribe.silenceFactor {
                guard subscribe.kind == .silence, factor.isFinite, (1.5...1000).contains(factor) else {
                    throw ControlFailure(code: .badRequest, message: "silenceFactor goes with silence subscriptions and is 1.5 to 1000")
                }
            }
        }
    }

    private static func check(_ value: Int, _ name: String, in range: ClosedRange<Int>) throws(ControlFailure) {
        guard range.contains(value) else {
            throw ControlFailure(
                code: .badRequest,
                message: "\(name) must be \(StoryLimits.grouped(range.lowerBound)) to \(StoryLimits.grouped(range.upperBound)), not \(StoryLimits.grouped(value))")
        }
    }
}
