import Foundation
import HTTPClient
import Logging
import NewsModel
import NewsTransport
import ServiceLifecycle
import StageRuntime

/// The `notify` stage: reads tag's feeds as a member of the `notify` group, matches every story
/// against the stored subscriptions, and journals one alert per (subscription, story) on its feed, also
/// sending it on the live alert stream `alert.<subscription id>`. Replicas share one database.
public struct NotifyService: Service {
    let runtime: StageRuntime
    let store: SubscriptionStore
    let sources: FeedSources
    let feedEndpoint: String
    let liveEndpoint: String
    let controlEndpoint: String
    let dataDirectory: String
    let retention: JournalRetention
    let webhookGuard: AddressGuard
    let webhookPolicy: WebhookPolicy
    let alertsFile: AlertFileSink?
    let indexControls: @Sendable () -> [String]

    /// Creates the service.
    public init(
        runtime: StageRuntime, store: SubscriptionStore, sources: FeedSources, feed: String, live: String, control: String,
        dataDirectory: String, retention: JournalRetention, webhookGuard: AddressGuard = AddressGuard(),
        webhookPolicy: WebhookPolicy = WebhookPolicy(), alertsFile: String? = nil, indexControls: @escaping @Sendable () -> [String] = { [] }
    ) throws {
        self.runtime = runtime
        self.store = store
        self.sources = sources
        self.feedEndpoint = feed
        self.liveEndpoint = live
        self.controlEndpoint = control
        self.dataDirectory = dataDirectory
        self.retention = retention
        self.webhookGuard = webhookGuard
        self.webhookPolicy = webhookPolicy
        self.alertsFile = try alertsFile.map { try AlertFileSink(path: $0) }
        self.indexControls = indexControls
    }

    public func run() async throws {
        let logger = runtime.logger
        let output = try await StageOutput.open(
            runtime: runtime, dataDirectory: dataDirectory, feedEndpoint: feedEndpoint, liveEndpoint: liveEndpoint,
            retention: retention)
        let control = try await ReplyServer.bind(context: runtime.context, endpoint: controlEndpoint, logger: logger)
        let input = runtime.consume(sources)
        let endpoints = ["feed": feedEndpoint, "live": liveEndpoint, "control": controlEndpoint]
        let runtime = self.runtime
        let store = self.store
        logger.info("matching", metadata: ["endpoints": "\(endpoints)", "subscriptions": "\(store.subscriptions.count)"])
        let webhookGuard = self.webhookGuard
        let alertsFile = self.alertsFile
        let indexControls = self.indexControls
        let emitter = AlertEmitter(store: store, output: output, counters: runtime.counters, alertsFile: alertsFile)
        let backfill = Backfill(
            store: store, emitter: emitter, indexControls: indexControls, context: runtime.context, counters: runtime.counters, logger: logger)
        let observed = ObservedWatches()
        let deliverer = WebhookDeliverer(store: store, guardrail: webhookGuard, policy: webhookPolicy, counters: runtime.counters, logger: logger)

        // The webhook deliverer and the backfills' second passes are child tasks of this service: the
        // stage loop's end (at shutdown) cancels them, and the service ends once they have.
        await withDiscardingTaskGroup { group in
            group.addTask { await deliverer.run() }
            group.addTask { await backfill.runSecondPasses() }
            group.addTask { await NoticeScheduler(store: store, observed: observed, counters: runtime.counters, logger: logger).run() }
            defer { group.cancelAll() }
            await StageLoop.run(
                runtime: runtime, control: control, input: input,
                handleRequest: { request in
                    switch request {
                    case .status:
                        var status = runtime.status(endpoints: endpoints, output: output, input: input)
                        status.counters["subscriptions"] = store.subscriptions.count
                        return status
                    case .subscribe(let subscribe):
                        if let webhook = subscribe.webhook {
                            // Refused early when the address is already known to be off limits; checked again at each delivery.
                            if case .failure(let error) = await webhookGuard.checkOffPool(webhook), error.isPermanent {
                                throw ControlFailure(code: .badRequest, message: error.message)
                            }
                        }
                        // An e-mail subscription's destination is its mailto: address, in the same outbox.
                        let destination = subscribe.email.map { "mailto:" + $0 } ?? subscribe.webhook
                        var result = try await store.subscribe(
                            subscribe.query, webhook: destination, owner: subscribe.owner, webhookFormat: subscribe.webhookFormat,
                            kind: subscribe.kind, delivery: subscribe.delivery, sensitivity: subscribe.sensitivity,
                            silenceFactor: subscribe.silenceFactor)
                        if result.created {
                            logger.info("subscribed", metadata: ["id": "\(result.subscription.id)", "query": "\(subscribe.query)"])
                        }
                        if let seconds = subscribe.backfillSeconds {
                            // Live matching covers every story from now on; the backfill covers the window
                            // before, and once more when index has caught up (alert ids keep it to one each).
                            result.backfilled = try await backfill.run(for: result.subscription, seconds: seconds)
                        }
                        return result
                    case .listSubscriptions(let scope):
                        return try await store.subscriptions(owner: scope.owner)
                    case .unsubscribe(let id, let owner):
                        return try await store.unsubscribe(id, owner: owner)
                    case .unsubscribeSigned(let signed):
                        let removed = try await store.unsubscribe(signed: signed)
                        logger.info("unsubscribed by link", metadata: ["id": "\(removed.id)"])
                        return removed
                    case .updateSubscription(let update):
                        let updated = try await store.update(update)
                        logger.info("subscription changed", metadata: ["id": "\(updated.id)", "delivery": "\(updated.schedule.summary)"])
                        return updated
                    case .digest(let digest):
                        return try await store.digests.digest(digest)
                    case .setClock(let set):
                        guard store.clock.set(set.at) else {
                            throw ControlFailure(code: .badRequest, message: "this notify runs on the system clock; only one started with --simulated-clock can be set")
                        }
                        return ClockReading(now: store.clock.now(), simulated: true)
                    case .listAlerts(let alerts):
                        return try await store.alerts(alerts)
                    case .listDeliveries(let deliveries):
                        return try await store.outbox.deliveries(deliveries)
                    case .replayDeliveries(let replay):
                        return try await store.outbox.replay(replay)
                    case .createToken(let create):
                        let made = try await store.tokens.create(create)
                        logger.info("token made", metadata: ["id": "\(made.info.id)", "owner": "\(made.info.owner)", "scopes": "\(made.info.scopes)"])
                        return made
                    case .listTokens:
                        return try await store.tokens.list()
                    case .revokeToken(let id):
                        let revoked = try await store.tokens.revoke(id)
                        logger.info("token revoked", metadata: ["id": "\(id)"])
                        return revoked
                    case .verifyToken(let verify):
                        return try await store.tokens.verify(verify.token)
                    default:
                        throw ControlFailure(
                            code: .unknownMethod,
                            message:
                                "notify answers subscribe, subscriptions, subscriptions_update, unsubscribe, unsubscribe_signed, digest, clock_set, alerts, deliveries, deliveries_replay, tokens, tokens_create, tokens_revoke, tokens_verify and status, not \(request.method)")
                    }
                },
                handleBatch: { messages in
                    try await store.refreshIfChanged()
                    var matches: [(alert: Alert, originAt: Date)] = []
                    var observations: [WatchObservation] = []
                    let matching = store.matching
                    // Time filters (since:) and alert times follow notify's clock, as its schedules do.
                    let now = store.clock.now()
                    for message in messages {
                        guard case .taggedStory(let tagged) = message.envelope.payload else {
                            runtime.counters.increment("unexpected_kind")
                            continue
                        }
                        let document = MatchDocument(tagged)
                        for position in matching.percolator.matches(document, now: now) {
                            let active = matching.subscriptions[position]
                            // Spike and silence subscriptions count their stories; they alert on volume, not each story.
                            guard active.subscription.watchKind == .alert else {
                                observations.append(WatchObservation(subscriptionID: active.subscription.id, story: tagged))
                                continue
                            }
                            let alert = Alert(
                                subscription: active.subscription, story: tagged,
                                satisfied: QueryMatcher.satisfiedClauses(active.query.root, document, now: now), createdAt: now)
                            matches.append((alert, message.envelope.originAt))
                        }
                    }
                    try await emitter.emit(matches)
                    try await store.watches.observe(observations)
                    observed.note(observations.map(\.subscriptionID))
                    runtime.counters.increment("watched", by: observations.count)
                })
        }
        await output.close()
    }
}
