import AsyncAlgorithms
import Foundation
import Logging
import NewsModel
import ServiceLifecycle
import StageRuntime
import Synchronization

/// Polls the registered feeds, each on its own interval: fetches with conditional GET, parses, and
/// hands new items to the intake; on failure records a per-feed error and backs off exponentially
/// (with jitter, and at least as long as a `Retry-After` asks). A feed's validators are saved only once
/// its stories are journaled, so a crash between the two refetches rather than loses them.
struct FeedPoller {
    let registry: FeedRegistry
    let fetcher: FeedFetcher
    let intake: StoryIntake
    let logger: Logger
    /// How many feeds are fetched at the same time.
    var concurrency = 4
    /// How often the schedule is looked at.
    var tick: Duration = .milliseconds(500)
    /// The longest backoff after failures (unless the feed's own interval is longer).
    static let maxBackoffSeconds = 3600.0

    func run() async {
        do {
            for feed in try await registry.interruptedReads() {
                try await failed(
                    feed, "ingest stopped while reading the document \(feed.url) gave (it may have crashed on it); retrying after a backoff",
                    retryAfter: nil)
            }
        } catch {
            logger.error("cannot read the feed registry: \(error)")
        }
        let inFlight = InFlightFeeds()
        await withDiscardingTaskGroup { group in
            // The schedule looked at once, then every tick until shutdown.
            func startDuePolls() async {
                let feeds: [PolledFeed]
                do {
                    feeds = try await registry.all()
                } catch {
                    logger.error("cannot read the feed registry: \(error)")
                    feeds = []
                }
                let now = Date()
                for feed in feeds where feed.nextPollAt <= now {
                    let started = inFlight.urls.withLock { polling -> Bool in
                        guard polling.count < concurrency, !polling.contains(feed.url) else { return false }
                        polling.insert(feed.url)
                        return true
                    }
                    guard started else { continue }
                    group.addTask {
                        // A fetch in flight stops at shutdown rather than holding it up for its timeout.
                        await cancelWhenGracefulShutdown { await poll(feed) }
                        _ = inFlight.urls.withLock { $0.remove(feed.url) }
                    }
                }
            }
            await startDuePolls()
            for await _ in AsyncTimerSequence(interval: tick, clock: .continuous).cancelOnGracefulShutdown() {
                await startDuePolls()
            }
        }
    }

    /// Polls one feed once and records the outcome.
    func poll(_ feed: PolledFeed) async {
        let counters = intake.runtime.counters
        let validators = FeedValidators(etag: feed.etag, lastModified: feed.lastModified)
        do {
            switch try await fetcher.fetch(feed.url, validators: validators) {
            case .notModified:
                try await registry.recordSuccess(
                    url: feed.url, validators: nil, accepted: 0, duplicates: 0, notModified: true, next: Self.nextPoll(after: feed))
                counters.increment("feed_not_modified")
            case .fetched(let data, let newValidators):
                let document: FeedDocument
                // Marked first: if reading this document kills the process, the restart counts it as a
                // failure and backs off instead of fetching and crashing again at once.
                try await registry.markReading(url: feed.url)
                do {
                    document = try await FeedReader.parse(data, source: feed.name ?? URL(string: feed.url)?.host)
                } catch {
                    try await failed(feed, "\(feed.url) is not a feed that can be read: \(error.message)", retryAfter: nil)
                    return
                }
                let result = try await intake.submit(document, source: feed.name)
                if !document.skipped.isEmpty {
                    logger.notice(
                        "polled feed has items that are not stories",
                        metadata: [
                            "url": "\(feed.url)", "skipped": "\(document.skipped.count)",
                            "first": "\(document.skipped.prefix(3).map(\.description).joined(separator: "; "))",
                        ])
                }
                try await registry.recordSuccess(
                    url: feed.url, validators: newValidators, accepted: result.accepted.count, duplicates: result.duplicates.count,
                    notModified: false, next: Self.nextPoll(after: feed))
                counters.increment("feed_polls")
                if !result.accepted.isEmpty {
                    logger.info("polled feed", metadata: ["url": "\(feed.url)", "accepted": "\(result.accepted.count)"])
                }
            }
        } catch let error as FeedFetchError {
            try? await failed(feed, error.message, retryAfter: error.retryAfter)
        } catch {
            // The journal or the registry failed: try again soon, keeping the old validators.
            try? await failed(feed, "could not store what \(feed.url) gave: \(error)", retryAfter: nil)
        }
    }

    private func failed(_ feed: PolledFeed, _ message: String, retryAfter: Duration?) async throws {
        intake.runtime.counters.increment("feed_errors")
        let next = Self.nextPoll(after: feed, failures: feed.consecutiveErrors + 1, retryAfter: retryAfter)
        logger.warning(
            "feed poll failed", metadata: ["url": "\(feed.url)", "error": "\(message)", "retry_at": "\(RFC3339.format(next))"])
        try await registry.recordFailure(url: feed.url, error: message, next: next)
    }

    /// When to poll again: one interval on after a success; after `failures` failures in a row, the
    /// interval doubled per failure up to ``maxBackoffSeconds`` (or the interval, if longer), with ±10 %
    /// jitter so that many failing feeds do not retry in step, and never sooner than `retryAfter`.
    static func nextPoll(after feed: PolledFeed, failures: Int = 0, retryAfter: Duration? = nil, now: Date = Date()) -> Date {
        let interval = Double(feed.intervalSeconds)
        guard failures > 0 else { return now.addingTimeInterval(interval) }
        let ceiling = max(interval, maxBackoffSeconds)
        let backoff = min(interval * pow(2, Double(min(failures, 20))), ceiling) * Double.random(in: 0.9...1.1)
        let asked = retryAfter.map { Double($0.components.seconds) } ?? 0
        return now.addingTimeInterval(max(backoff, min(asked, 86_400)))
    }
}

/// The feeds being fetched right now, shared by the poll tasks.
private final class InFlightFeeds: Sendable {
    let urls = Mutex<Set<String>>([])
}
