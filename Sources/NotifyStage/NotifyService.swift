import Foundation
import Logging
import NewsModel
import ServiceLifecycle

/// The `notify` stage: matches every tagged story against the stored subscriptions and publishes one
/// alert per (subscription, story) on `alert.<subscription id>`.
public struct NotifyService: Service {
    let runtime: StageRuntime
    let store: SubscriptionStore
    let inputs: [String]
    let publishEndpoint: String
    let controlEndpoint: String

    /// Creates the service.
    public init(runtime: StageRuntime, store: SubscriptionStore, inputs: [String], publish: String, control: String) {
        self.runtime = runtime
        self.store = store
        self.inputs = inputs
        self.publishEndpoint = publish
        self.controlEndpoint = control
    }

    public func run() async throws {
        let logger = runtime.logger
        let publisher = try await Publisher.bind(context: runtime.context, endpoint: publishEndpoint, logger: logger)
        let input = try await Subscriber.connect(
            context: runtime.context, endpoints: inputs, topics: [StreamTopic.storyTagged], logger: logger)
        let control = try await ReplyServer.bind(context: runtime.context, endpoint: controlEndpoint, logger: logger)
        let endpoints = ["input": inputs.joined(separator: " "), "publish": publishEndpoint, "control": controlEndpoint]
        let runtime = self.runtime
        let store = self.store
        logger.info("matching", metadata: ["endpoints": "\(endpoints)", "subscriptions": "\(store.subscriptions.count)"])

        await StageLoop.run(
            runtime: runtime, control: control, input: input,
            handleRequest: { request in
                switch request {
                case .status:
                    var status = runtime.status(endpoints: endpoints, publisher: publisher)
                    status.counters["subscriptions"] = store.subscriptions.count
                    return status
                case .subscribe(let subscribe):
                    let result = try await store.subscribe(subscribe.query)
                    if result.created {
                        logger.info("subscribed", metadata: ["id": "\(result.subscription.id)", "query": "\(subscribe.query)"])
                    }
                    return result
                case .listSubscriptions:
                    return store.subscriptions.map(\.subscription)
                case .unsubscribe(let id):
                    return try await store.unsubscribe(id)
                case .listAlerts(let alerts):
                    return try await store.alerts(alerts)
                default:
                    throw ControlFailure(
                        code: .unknownMethod,
                        message: "notify answers subscribe, subscriptions, unsubscribe, alerts and status, not \(request.method)")
                }
            },
            handleMessage: { message in
                guard case .taggedStory(let tagged) = message.envelope.payload else {
                    runtime.counters.increment("unexpected_kind")
                    return
                }
                let document = MatchDocument(tagged)
                for active in store.subscriptions where QueryMatcher.matches(active.query.root, document) {
                    let alert = Alert(
                        subscription: active.subscription, story: tagged,
                        matched: QueryMatcher.explain(active.query.root, document))
                    do {
                        guard try await store.record(alert) else {
                            runtime.counters.increment("repeat_matches")
                            continue
                        }
                        try runtime.publish(
                            .alert(alert), topic: StreamTopic.alert(subscriptionID: active.subscription.id),
                            originAt: message.envelope.originAt, on: publisher)
                        runtime.counters.increment("alerts")
                    } catch {
                        runtime.counters.increment("alert_errors")
                        logger.error("could not deliver an alert", metadata: ["alert": "\(alert.id)", "error": "\(error)"])
                    }
                }
            })
        await publisher.close()
    }
}
