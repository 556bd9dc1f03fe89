import Foundation
import GRDB
import NewsModel

/// One matching story of a spike or silence subscription, as the watch records it.
struct WatchObservation: Sendable {
    var subscriptionID: String
    var story: TaggedStory

    /// The near-duplicate cluster: copies of one story count once.
    var clusterID: String { story.story.clusterID ?? story.story.id }
}

/// What spike and silence subscriptions have seen (`watch_match`: one row per subscription and story
/// cluster, with when it arrived by notify's clock, its entities and headline words) and their state
/// (`watch_state`: whether a spike subscription is armed). Each judgement runs in one write
/// transaction that records its notice and puts it in the outbox, so with several notify replicas a
/// spike or silence is told once.
public struct WatchStore: Sendable {
    let pool: DatabasePool
    let clock: NotifyClock

    /// Records observations; a cluster already seen by a subscription is left as it is.
    func observe(_ observations: [WatchObservation]) async throws {
        guard !observations.isEmpty else { return }
        let now = clock.now().timeIntervalSince1970
        let encoder = JSONCoding.encoder()
        let rows = try observations.map { observation -> [any DatabaseValueConvertible & Sendable] in
            let story = observation.story
            let entities = Array(Set(story.entities.map(\.name))).sorted()
            return [
                observation.subscriptionID, observation.clusterID, story.story.id, now, story.story.headline, story.story.url, story.story.source,
                String(decoding: try encoder.encode(entities), as: UTF8.self),
                String(decoding: try encoder.encode(SpikeDetector.words(story.story.headline)), as: UTF8.self),
            ]
        }
        try await pool.write { db in
            for row in rows {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO watch_match (subscription_id, cluster_id, story_id, at, headline, url, source, entities, words)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: StatementArguments(row.map { $0 as (any DatabaseValueConvertible)? }))
            }
        }
    }

    /// Judges a spike or silence subscription now; a notice found is recorded and put in the outbox.
    /// - Returns: the notice, if one was made.
    func evaluate(_ subscription: Subscription) async throws -> Notice? {
        let now = clock.now()
        return try await pool.write { db -> Notice? in
            // Removed since the caller's snapshot: nothing to judge.
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM subscription WHERE id = ?)", arguments: [subscription.id]) == true else {
                return nil
            }
            let notice: Notice?
            switch subscription.watchKind {
            case .alert: return nil
            case .spike: notice = try Self.spike(db, subscription, now: now)
            case .silence: notice = try Self.silence(db, subscription, now: now)
            }
            guard let notice else { return nil }
            let json = String(decoding: try JSONCoding.encoder().encode(notice), as: UTF8.self)
            try db.execute(
                sql: "INSERT OR IGNORE INTO notice (id, subscription_id, type, due_at, created_at, notice_json) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [notice.id, subscription.id, notice.type, now.timeIntervalSince1970, now.timeIntervalSince1970, json])
            guard db.changesCount > 0 else { return nil }
            try WebhookOutbox.enqueue(db, notice: notice, subscription: subscription, now: Date().timeIntervalSince1970)
            return notice
        }
    }

    private static func spike(_ db: Database, _ subscription: Subscription, now: Date) throws -> Notice? {
        let windowEnd = now.timeIntervalSince1970
        let windowStart = windowEnd - 3600
        let historyStart = max(subscription.createdAt.timeIntervalSince1970, windowStart - Double(SpikeDetector.historyHours) * 3600)
        let arrivals = try Double.fetchAll(
            db, sql: "SELECT at FROM watch_match WHERE subscription_id = ? AND at > ? AND at <= ?",
            arguments: [subscription.id, historyStart, windowEnd])
        let (count, hourly) = SpikeDetector.counts(of: arrivals, windowEnd: windowEnd, historyStart: historyStart)
        let hours = hourly.count
        let sensitivity = subscription.sensitivity ?? .medium
        let judged = SpikeDetector.judge(count: count, hourly: hourly, sensitivity: sensitivity)
        let armed = try Bool.fetchOne(db, sql: "SELECT armed FROM watch_state WHERE subscription_id = ?", arguments: [subscription.id]) ?? true
        guard judged.spike else {
            // Back to normal: the next jump is a new spike.
            if !armed { try setArmed(db, subscription.id, true, noticeAt: nil) }
            return nil
        }
        guard armed else { return nil }
        try setArmed(db, subscription.id, false, noticeAt: windowEnd)
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT story_id, at, headline, url, source, entities, words FROM watch_match
                WHERE subscription_id = ? AND at > ? AND at <= ? ORDER BY at DESC, story_id
                """,
            arguments: [subscription.id, windowStart - Double(hours) * 3600, windowEnd])
        let decoder = JSONCoding.decoder()
        func terms(_ row: Row, _ column: String) -> Set<String> {
            Set((try? decoder.decode([String].self, from: Data((row[column] as String).utf8))) ?? [])
        }
        let inWindow = rows.filter { ($0["at"] as Double) > windowStart }
        let before = rows.filter { ($0["at"] as Double) <= windowStart }
        let hour = Int(windowEnd / 3600)
        return .spike(
            SpikeNotice(
                id: "spk_\(subscription.id.dropFirst(4))_\(hour)", subscriptionID: subscription.id, query: subscription.query,
                windowStart: Date(timeIntervalSince1970: windowStart), windowEnd: now, count: count,
                baseline: (judged.mean * 100).rounded() / 100, deviation: (judged.deviation * 100).rounded() / 100,
                zScore: (judged.zScore * 100).rounded() / 100, sensitivity: sensitivity,
                entities: SpikeDetector.overRepresented(spike: inWindow.map { terms($0, "entities") }, baseline: before.map { terms($0, "entities") }, limit: 5),
                words: SpikeDetector.overRepresented(spike: inWindow.map { terms($0, "words") }, baseline: before.map { terms($0, "words") }, limit: 8),
                stories: inWindow.prefix(10).map { NoticeStory(id: $0["story_id"], headline: $0["headline"], url: $0["url"], source: $0["source"]) }))
    }

    private static func setArmed(_ db: Database, _ id: String, _ armed: Bool, noticeAt: TimeInterval?) throws {
        try db.execute(
            sql: """
                INSERT INTO watch_state (subscription_id, armed, last_notice_at) VALUES (?1, ?2, ?3)
                ON CONFLICT (subscription_id) DO UPDATE SET armed = ?2, last_notice_at = coalesce(?3, last_notice_at)
                """,
            arguments: [id, armed, noticeAt])
    }

    private static func silence(_ db: Database, _ subscription: Subscription, now: Date) throws -> Notice? {
        let rows = try Row.fetchAll(
            db, sql: "SELECT story_id, at, headline, url, source FROM watch_match WHERE subscription_id = ? ORDER BY at DESC LIMIT ?",
            arguments: [subscription.id, SilenceDetector.recentStories])
        guard let last = rows.first, let oldest = rows.last else { return nil }
        let lastAt: Double = last["at"]
        // The last stories for the usual gap, and the week before the last story for the day's rhythm.
        let arrivals = try Double.fetchAll(
            db, sql: "SELECT at FROM watch_match WHERE subscription_id = ? AND at >= ?",
            arguments: [subscription.id, min(oldest["at"] as Double, lastAt - Double(SilenceDetector.rhythmDays + 1) * 86400)])
        let factor = subscription.silenceFactor ?? SilenceDetector.factor(subscription.sensitivity ?? .medium)
        guard
            let judged = SilenceDetector.judge(
                arrivals, now: now.timeIntervalSince1970, factor: factor, historyStart: subscription.createdAt.timeIntervalSince1970),
            judged.silent
        else { return nil }
        // One notice per silence: its id names the last story's arrival, so the next silence is another.
        return .silence(
            SilenceNotice(
                id: "sil_\(subscription.id.dropFirst(4))_\(Int(lastAt))", subscriptionID: subscription.id, query: subscription.query,
                lastStoryAt: Date(timeIntervalSince1970: lastAt), usualGapSeconds: judged.usualGap.rounded(),
                silentSeconds: (now.timeIntervalSince1970 - lastAt).rounded(), factor: factor,
                expectedStories: judged.expectedStories.map { ($0 * 10).rounded() / 10 },
                lastStory: NoticeStory(id: last["story_id"], headline: last["headline"], url: last["url"], source: last["source"])))
    }

    /// Drops observations older than the longest history any judgement reads (14 days and a day).
    func prune() async throws {
        let cutoff = clock.now().timeIntervalSince1970 - Double(SpikeDetector.historyHours + 24) * 3600
        try await pool.write { db in try db.execute(sql: "DELETE FROM watch_match WHERE at < ?", arguments: [cutoff]) }
    }
}
