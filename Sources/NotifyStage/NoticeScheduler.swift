import AsyncAlgorithms
import Foundation
import Logging
import Metrics
import NewsModel
import StageRuntime
import Synchronization

/// Makes what falls due by notify's clock: the digests of held alerts (digest schedules, caps, quiet
/// hours, story updates), spike judgements (each spike subscription once a clock minute) and
/// silences, and puts each in the webhook outbox. Several replicas may run it at once: every notice is
/// made in one write transaction keyed by its due time (``DigestStore``, ``WatchStore``), so each is
/// made once. Runs until its task is cancelled (a child task of notify's service).
struct NoticeScheduler {
    let store: SubscriptionStore
    /// Spike and silence subscriptions with new observations, judged at the next look.
    let observed: ObservedWatches
    let counters: StageCounters
    let logger: Logger
    /// How often it looks, in real time.
    var interval: Duration = .milliseconds(250)

    func run() async {
        var judged: [String: Date] = [:]
        var pruned = Date.distantPast
        for await _ in AsyncTimerSequence(interval: interval, clock: .continuous) {
            if Task.isCancelled { break }
            do {
                try await makeDigests()
                let now = store.clock.now()
                let fresh = observed.take()
                let matching = store.matching
                // Forget subscriptions removed since.
                if judged.count > matching.watches.count { judged = judged.filter { id, _ in matching.subscription(id) != nil } }
                for subscription in matching.watches {
                    let id = subscription.id
                    // New stories, or a minute of the clock since the last judgement (a clock set back starts again).
                    if !fresh.contains(id), let last = judged[id], now >= last, now.timeIntervalSince(last) < 60 { continue }
                    judged[id] = now
                    if let notice = try await store.watches.evaluate(subscription) {
                        counters.increment("\(notice.type.prefix { $0 != "." })_notices")
                        Counter(label: "news_notices_total", dimensions: [("type", notice.type)]).increment()
                        logger.info("notice", metadata: ["id": "\(notice.id)", "type": "\(notice.type)"])
                    }
                }
                if abs(now.timeIntervalSince(pruned)) > 3600 {
                    try await store.watches.prune()
                    pruned = now
                }
            } catch {
                logger.error("notices could not be made", metadata: ["error": "\(error)"])
            }
        }
    }

    private func makeDigests() async throws {
        let now = store.clock.now()
        let matching = store.matching
        for hold in try await store.digests.holds() {
            // Not due by the snapshot's schedule: no write transaction (makeIfDue checks again inside one).
            guard let subscription = matching.subscription(hold.subscriptionID), subscription.schedule.nextDelivery(after: hold.oldest) <= now
            else { continue }
            if let digest = try await store.digests.makeIfDue(hold.subscriptionID) {
                counters.increment("digests")
                Counter(label: "news_notices_total", dimensions: [("type", Notice.digest(digest).type)]).increment()
                logger.info("digest", metadata: ["id": "\(digest.id)", "stories": "\(digest.stories.count)"])
            }
        }
    }
}

/// The spike and silence subscriptions that have seen stories since the scheduler last looked.
final class ObservedWatches: Sendable {
    private let ids = Mutex<Set<String>>([])

    /// Notes that these subscriptions have new observations.
    func note(_ subscriptionIDs: some Sequence<String>) { ids.withLock { $0.formUnion(subscriptionIDs) } }

    /// The ids noted since the last call.
    func take() -> Set<String> { ids.withLock { ids in defer { ids = [] }; return ids } }
}
