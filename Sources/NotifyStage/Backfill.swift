import AsyncAlgorithms
import Foundation
import Logging
import NewsModel
import NewsTransport
import StageRuntime
import ZeroMQ

/// A new subscription's backfill: the stored stories of the window that match it, from `index`, sent
/// as alerts through the same ``AlertEmitter`` as live matches.
///
/// The hand-off has no gap and no duplicate: the subscription is stored (so live matching sees every
/// story `notify` takes from then on) before the index is asked, and asked twice: at once, and again
/// once `index` reports no lag (at most a minute later), for stories `notify` had already passed when
/// the subscription arrived but `index` had not stored yet. A story found by both, or by the backfill
/// and live matching, has one alert id and is sent once.
///
/// Second passes run in ``runSecondPasses()``, a child task of notify's service: shutdown cancels
/// them and waits for them (a second pass cut short by shutdown is not run again; the live matching
/// has covered everything since the subscription).
struct Backfill: Sendable {
    let store: SubscriptionStore
    let emitter: AlertEmitter
    let indexControls: @Sendable () -> [String]
    let context: ZMQContext
    let counters: StageCounters
    let logger: Logger
    /// How long to wait for `index` to catch up before the second pass.
    var catchUpLimit: Duration = .seconds(60)
    /// A second pass to run: the subscription and its window.
    private struct SecondPass: Sendable {
        let subscription: Subscription
        let since: Date
    }
    private let secondPasses: AsyncStream<SecondPass>
    private let queue: AsyncStream<SecondPass>.Continuation

    init(
        store: SubscriptionStore, emitter: AlertEmitter, indexControls: @escaping @Sendable () -> [String], context: ZMQContext,
        counters: StageCounters, logger: Logger
    ) {
        self.store = store
        self.emitter = emitter
        self.indexControls = indexControls
        self.context = context
        self.counters = counters
        self.logger = logger
        (secondPasses, queue) = AsyncStream.makeStream(of: SecondPass.self)
    }

    /// Runs the first pass and queues the second; returns how many alerts the first pass sent.
    /// - Throws: ``ControlFailure`` when no `index` answers.
    func run(for subscription: Subscription, seconds: Int) async throws -> Int {
        let since = store.clock.now().addingTimeInterval(-TimeInterval(seconds))
        let sent = try await pass(subscription, since: since)
        queue.yield(SecondPass(subscription: subscription, since: since))
        return sent
    }

    /// Runs the queued second passes, each on its own as soon as it is queued, until cancelled.
    func runSecondPasses() async {
        await withDiscardingTaskGroup { group in
            for await second in secondPasses {
                group.addTask {
                    await waitForIndex()
                    guard !Task.isCancelled else { return }
                    do {
                        let late = try await pass(second.subscription, since: second.since)
                        if late > 0 { logger.info("backfill caught late stories", metadata: ["id": "\(second.subscription.id)", "alerts": "\(late)"]) }
                    } catch {
                        logger.warning("backfill's second pass failed", metadata: ["id": "\(second.subscription.id)", "error": "\(error)"])
                    }
                }
            }
        }
    }

    private func pass(_ subscription: Subscription, since: Date) async throws -> Int {
        let query = try Query(subscription.query)
        let stories = try await call(.backfill(BackfillRequest(query: subscription.query, since: since)), as: [TaggedStory].self)
        let now = store.clock.now()
        var matches: [(alert: Alert, originAt: Date)] = []
        for tagged in stories {
            let document = MatchDocument(tagged)
            // The index and the matcher agree by construction and by test; a story that no longer
            // matches (a since: window passing) is skipped rather than alerted without a reason.
            guard QueryMatcher.matches(query.root, document, now: now) else { continue }
            let alert = Alert(subscription: subscription, story: tagged, satisfied: QueryMatcher.satisfiedClauses(query.root, document, now: now), createdAt: now)
            matches.append((alert, tagged.story.receivedAt))
        }
        let sent = try await emitter.emit(matches)
        counters.increment("backfilled", by: sent)
        return sent
    }

    /// Waits until every answering `index` replica reports no lag, or the limit passes.
    private func waitForIndex() async {
        let deadline = ContinuousClock.now + catchUpLimit
        for await tick in AsyncTimerSequence(interval: .milliseconds(500), clock: .continuous) {
            guard tick < deadline else { break }
            let statuses = await indexControls().asyncCompactMap { endpoint in
                try? await client(endpoint).call(.status, as: StageStatus.self)
            }
            if !statuses.isEmpty && statuses.allSatisfy({ ($0.lag ?? 0) == 0 }) { return }
        }
        guard !Task.isCancelled else { return }
        logger.warning("index did not catch up within the backfill's wait; the second pass runs anyway")
    }

    private func client(_ endpoint: String) -> ControlClient {
        ControlClient(stage: "index", client: RequestClient(context: context, endpoint: endpoint, timeout: .seconds(10)))
    }

    private func call<Result: Decodable>(_ request: ControlRequest, as type: Result.Type) async throws -> Result {
        let endpoints = indexControls()
        guard !endpoints.isEmpty else {
            throw ControlFailure(code: .unavailable, message: "no index is running, so the backfill cannot read stored stories")
        }
        var lastError: (any Error)?
        for endpoint in endpoints {
            do {
                return try await client(endpoint).call(request, as: type)
            } catch {
                if case .unreachable = error {
                    lastError = error
                    continue
                }
                if case .failed(let failure) = error { throw failure }
                throw ControlFailure(code: .unavailable, message: "index: \(error)")
            }
        }
        throw ControlFailure(code: .unavailable, message: "no index answered the backfill: \(lastError.map { "\($0)" } ?? "")")
    }
}

extension Array {
    /// The non-nil results of an async transform, in order.
    func asyncCompactMap<T>(_ transform: (Element) async -> T?) async -> [T] {
        var results: [T] = []
        for element in self { if let value = await transform(element) { results.append(value) } }
        return results
    }
}
