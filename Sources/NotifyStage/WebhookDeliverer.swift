import AsyncAlgorithms
import Foundation
import HTTPClient
import Logging
import Metrics
import NewsModel
import ServiceLifecycle
import StageRuntime
import Synchronization

/// How webhook deliveries are retried.
public struct WebhookPolicy: Sendable {
    /// The first retry's delay; each later one doubles, up to `maximumDelay`, with ±20 % jitter.
    public var retryBase: TimeInterval
    /// The longest delay between attempts.
    public var maximumDelay: TimeInterval
    /// Attempts before a delivery becomes a dead letter.
    public var maximumAttempts: Int
    /// The longest one attempt may take.
    public var timeout: Duration
    /// Deliveries attempted at once, to all receivers together.
    public var concurrency: Int
    /// Deliveries attempted at once to one receiver (scheme, host and port).
    public var perDestination: Int
    /// Where e-mail alerts (`mailto:` destinations) are sent from, if notify has an SMTP server.
    public var mail: SMTPSettings?
    /// The most e-mails one recipient gets in an hour; the rest wait for the next hour, none is dropped.
    public var mailPerHour = 30
    /// Where a recipient unsubscribes, for `List-Unsubscribe` (with an https URL, one-click too).
    public var unsubscribeURL: String?

    /// Creates a policy.
    public init(
        retryBase: TimeInterval = 5, maximumDelay: TimeInterval = 3600, maximumAttempts: Int = 10, timeout: Duration = .seconds(10),
        concurrency: Int = 16, perDestination: Int = 2
    ) {
        self.retryBase = retryBase
        self.maximumDelay = maximumDelay
        self.maximumAttempts = maximumAttempts
        self.timeout = timeout
        self.concurrency = concurrency
        self.perDestination = perDestination
    }

    /// The delay before attempt `attempts + 1`, after `attempts` failures, with jitter.
    func delay(afterAttempts attempts: Int) -> TimeInterval {
        let exponential = min(maximumDelay, retryBase * pow(2, Double(max(0, attempts - 1))))
        return exponential * Double.random(in: 0.8...1.2)
    }
}

/// Sends the outbox's due deliveries to their webhooks, signed the Standard Webhooks way, and records
/// each outcome: 2xx delivered; `410 Gone`, a refused address or a subscription that is gone makes a
/// dead letter at once; anything else is retried with exponential backoff until the attempts run out.
/// Runs until its task is cancelled (notify runs it as a child task of its service, so shutdown
/// cancels it and waits for it); every request runs on a dedicated thread. Once notify is shutting
/// down gracefully it claims nothing more: the attempts in flight finish (each within the timeout),
/// and what is due waits in the durable outbox for another replica or the restart.
struct WebhookDeliverer {
    let store: SubscriptionStore
    let guardrail: AddressGuard
    let policy: WebhookPolicy
    let counters: StageCounters
    let logger: Logger

    func run() async {
        let running = RunningDeliveries()
        await withDiscardingTaskGroup { group in
            // Every tick, as many due deliveries as there is room for are claimed and started; after
            // an unreadable outbox, the next second's ticks are skipped.
            var pausedUntil = ContinuousClock.now
            for await tick in AsyncTimerSequence(interval: .milliseconds(100), clock: .continuous).cancelOnGracefulShutdown()
            where tick >= pausedUntil {
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    let (total, room) = running.snapshot(perDestination: policy.perDestination)
                    let capacity = policy.concurrency - total
                    let due: [ClaimedDelivery]
                    do {
                        guard capacity > 0, try await store.outbox.hasDueDelivery() else { break }
                        // The lease outlasts an attempt, so another replica leaves a claimed delivery alone.
                        due = try await store.outbox.claimDueDeliveries(
                            limit: capacity, perDestination: policy.perDestination, room: room,
                            lease: Double(policy.timeout.components.seconds) + 30)
                    } catch {
                        logger.error("webhook outbox unreadable", metadata: ["error": "\(error)"])
                        pausedUntil = tick + .seconds(1)
                        break
                    }
                    if due.isEmpty { break }
                    // Each attempt runs on its own: a slow receiver holds its own slots, never a batch.
                    for delivery in due {
                        running.start(delivery.destination)
                        group.addTask {
                            await attempt(delivery)
                            running.finish(delivery.destination)
                        }
                    }
                }
            }
        }
    }

    private func attempt(_ delivery: ClaimedDelivery) async {
        let outcome = await send(delivery)
        do {
            switch outcome {
            case .delivered:
                try await store.outbox.markDelivered(delivery.id)
                counters.increment("webhooks_delivered")
                Counter(label: "news_webhook_deliveries_total", dimensions: [("outcome", "delivered")]).increment()
            case .postponed:
                return
            case .failed(let reason, let permanent):
                let attempts = delivery.attempts + 1
                let dead = permanent || attempts >= policy.maximumAttempts
                try await store.outbox.markFailed(
                    delivery.id, error: reason, retryAt: dead ? nil : Date().addingTimeInterval(policy.delay(afterAttempts: attempts)))
                counters.increment(dead ? "webhooks_dead" : "webhooks_retried")
                Counter(label: "news_webhook_deliveries_total", dimensions: [("outcome", dead ? "dead" : "retried")]).increment()
                logger.log(
                    level: dead ? .warning : .info, dead ? "webhook delivery gave up (a dead letter)" : "webhook delivery failed; will retry",
                    metadata: ["id": "\(delivery.id)", "url": "\(delivery.url)", "attempts": "\(attempts)", "error": "\(reason)"])
            }
        } catch {
            // The lease runs out and the delivery is attempted again: at least once, never lost.
            logger.error("cannot record a webhook outcome", metadata: ["id": "\(delivery.id)", "error": "\(error)"])
        }
    }

    private enum Outcome {
        case delivered
        case failed(String, permanent: Bool)
        case postponed
    }

    /// A notice by e-mail: over the recipient's hourly rate it waits for the next hour; a 5xx refusal is
    /// a dead letter, anything else is retried like a webhook.
    private func mail(_ delivery: ClaimedDelivery) async -> Outcome {
        guard let settings = policy.mail else {
            return .failed("notify has no SMTP server (--smtp-url and --smtp-from)", permanent: false)
        }
        let recipient = String(delivery.url.dropFirst("mailto:".count))
        do {
            let sent = try await store.outbox.deliveredCount(to: delivery.url, since: Date().addingTimeInterval(-3600))
            if sent >= policy.mailPerHour {
                try await store.outbox.postpone(
                    delivery.id, until: Date().addingTimeInterval(Double.random(in: 300...900)),
                    reason: "\(recipient) had \(sent) e-mails in the last hour (at most \(policy.mailPerHour)); waiting")
                return .postponed
            }
            let notice = try JSONCoding.decoder().decode(Notice.self, from: delivery.body)
            let personal = policy.unsubscribeURL.flatMap { base in
                delivery.secret.flatMap { UnsubscribeLink.url(base: base, subscriptionID: delivery.subscriptionID, secret: $0) }
            }
            let message = NoticeMail.message(notice, from: settings.from, to: recipient, unsubscribeURL: personal)
            try await SMTPClient.send(message, to: recipient, settings: settings)
            return .delivered
        } catch let error as SMTPError {
            return .failed(error.message, permanent: error.permanent)
        } catch {
            return .failed("\(error)", permanent: false)
        }
    }

    private func send(_ delivery: ClaimedDelivery) async -> Outcome {
        guard let secret = delivery.secret else { return .failed("the subscription was removed", permanent: true) }
        if delivery.url.hasPrefix("mailto:") { return await mail(delivery) }
        let url = delivery.url
        let target: AddressGuard.Target
        switch await guardrail.checkOffPool(url) {
        case .success(let value): target = value
        case .failure(let error): return .failed(error.message, permanent: error.isPermanent)
        }
        let timestamp = Int(Date().timeIntervalSince1970)
        guard let headers = WebhookSignature.headers(id: delivery.id, timestamp: timestamp, body: delivery.body, secret: secret) else {
            return .failed("the subscription's webhook secret is malformed", permanent: true)
        }
        do {
            let response = try await HTTPClient.perform(
                HTTPRequest(
                    url: url, method: "POST", headers: headers, body: delivery.body, timeout: policy.timeout, maxBytes: 64 << 10,
                    followRedirects: false, resolve: target.resolve, userAgent: "news-pipeline-notify/1"))
            switch response.status {
            case 200..<300:
                return .delivered
            case 410:
                return .failed("\(url) answered 410 Gone", permanent: true)
            default:
                let reason = HTTPClient.reasons[response.status].map { " (\($0))" } ?? ""
                return .failed("\(url) answered HTTP \(response.status)\(reason)", permanent: false)
            }
        } catch {
            return .failed(error.message, permanent: false)
        }
    }
}

/// The deliveries in flight, per destination, shared by the deliverer's loop and its attempts.
private final class RunningDeliveries: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func start(_ destination: String) { counts.withLock { $0[destination, default: 0] += 1 } }

    func finish(_ destination: String) {
        counts.withLock { counts in
            counts[destination, default: 1] -= 1
            if counts[destination] == 0 { counts[destination] = nil }
        }
    }

    /// How many run in all, and the room left per destination that has any running.
    func snapshot(perDestination: Int) -> (total: Int, room: [String: Int]) {
        counts.withLock { counts in (counts.values.reduce(0, +), counts.mapValues { perDestination - $0 }) }
    }
}
