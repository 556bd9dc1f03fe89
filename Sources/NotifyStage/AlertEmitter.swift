import Foundation
import Metrics
import NewsModel
import StageRuntime

/// Turns matches into alerts sent once: drops repeats (copies of a story share an alert id; an alert
/// recorded earlier is not sent again), journals the rest on the alert feed and live stream, then
/// records them (with their webhook deliveries) and appends them to the alerts file. Live matching and
/// backfills go through it one at a time, so an alert both would make is sent by whichever comes first.
actor AlertEmitter {
    private let store: SubscriptionStore
    private let output: StageOutput
    private let counters: StageCounters
    private let alertsFile: AlertFileSink?
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(store: SubscriptionStore, output: StageOutput, counters: StageCounters, alertsFile: AlertFileSink?) {
        self.store = store
        self.output = output
        self.counters = counters
        self.alertsFile = alertsFile
    }

    /// Sends the alerts among `matches` not sent before.
    /// - Returns: how many were new.
    @discardableResult
    func emit(_ matches: [(alert: Alert, originAt: Date)]) async throws -> Int {
        // One emission at a time, across the awaits below (an actor alone would interleave them).
        while busy { await withCheckedContinuation { waiting.append($0) } }
        busy = true
        defer {
            busy = false
            if !waiting.isEmpty { waiting.removeFirst().resume() }
        }
        var batchIDs = Set<String>()
        let distinct = matches.filter { batchIDs.insert($0.alert.id).inserted }
        let fresh = try await store.unrecorded(distinct.map(\.alert))
        let freshIDs = Set(fresh.map(\.id))
        // Every other match is a copy of a story already alerted (another outlet, or the same again).
        var firstSeen = Set<String>()
        let copies = matches.filter { !(freshIDs.contains($0.alert.id) && firstSeen.insert($0.alert.id).inserted) }.map(\.alert)
        let items = distinct.filter { freshIDs.contains($0.alert.id) }.map {
            (payload: Payload.alert($0.alert), topic: StreamTopic.alert(subscriptionID: $0.alert.subscriptionID), originAt: $0.originAt)
        }
        // Journal first, then record: a crash in between sends the alert again (the feed is
        // at-least-once, deduplicated by alert id), never loses it.
        try await output.emit(items, counters: counters)
        try await store.record(fresh)
        try await store.recordCopies(copies)
        try await alertsFile?.append(fresh)
        counters.increment("alerts", by: fresh.count)
        // By the subscription's kind, and how long each took from its story's submission to here.
        let webhooks = Set(store.subscriptions.filter { $0.subscription.webhook != nil }.map(\.subscription.id))
        let now = Date()  // latency is real time, whatever notify's clock says
        for item in distinct where freshIDs.contains(item.alert.id) {
            let kind = webhooks.contains(item.alert.subscriptionID) ? "webhook" : "stream"
            Counter(label: "news_alerts_total", dimensions: [("kind", kind)]).increment()
            Metrics.Timer(label: "news_submit_to_alert_seconds").recordNanoseconds(Int64(max(0, now.timeIntervalSince(item.originAt)) * 1e9))
        }
        counters.increment("repeat_matches", by: matches.count - fresh.count)
        return fresh.count
    }
}
