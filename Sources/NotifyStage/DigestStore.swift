import Foundation
import GRDB
import NewsModel

/// Held alerts and the digests made of them, in the subscription store's database. An alert is held
/// (`alert.held_at`) by a digest schedule, a cap, quiet hours or a story update; its subscription's
/// schedule says when what is held is due (``DeliverySchedule/nextDelivery(after:)`` of the oldest
/// hold). A digest is made in one write transaction that reads what is held, records the digest
/// (`notice`), releases the alerts, marks their outlets told and puts the digest in the webhook outbox:
/// SQLite runs one such transaction at a time, so however many notify replicas look, each digest is
/// made once, and a digest due while notify was down is made when it starts. The outbox then sends it
/// under its leases, with its retries.
public struct DigestStore: Sendable {
    let pool: DatabasePool
    let clock: NotifyClock

    /// The most stories one digest carries; what is left is held for the next one, due at once.
    static let maximumStories = 500

    /// The ids of subscriptions with held alerts, with when the oldest was held.
    func holds() async throws -> [(subscriptionID: String, oldest: Date)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT subscription_id, min(held_at) AS oldest FROM alert WHERE held_at IS NOT NULL GROUP BY subscription_id")
                .map { ($0["subscription_id"], Date(timeIntervalSince1970: $0["oldest"])) }
        }
    }

    /// Makes the digest of `subscriptionID` if it is due (or, with `force`, whenever anything is held).
    /// - Returns: the digest made, or nil when nothing was due (or another replica made it first).
    func makeIfDue(_ subscriptionID: String, force: Bool = false) async throws -> Digest? {
        let now = clock.now()
        return try await pool.write { db -> Digest? in
            guard
                let row = try Row.fetchOne(db, sql: "SELECT \(SubscriptionStore.columns) FROM subscription WHERE id = ?", arguments: [subscriptionID])
            else { return nil }
            let subscription = SubscriptionStore.subscription(row)
            guard let oldest = try Double.fetchOne(db, sql: "SELECT min(held_at) FROM alert WHERE subscription_id = ? AND held_at IS NOT NULL", arguments: [subscriptionID])
            else { return nil }
            let due = subscription.schedule.nextDelivery(after: Date(timeIntervalSince1970: oldest))
            guard force || due <= now else { return nil }
            let stories = try Self.heldStories(db, subscriptionID: subscriptionID, upTo: now)
            guard !stories.isEmpty else { return nil }
            // One digest per due time; a second one at the same due time (what a full digest left) is numbered.
            let dueAt = force ? now : due
            let earlier = try Int.fetchOne(db, sql: "SELECT count(*) FROM notice WHERE subscription_id = ? AND due_at = ?", arguments: [subscriptionID, dueAt.timeIntervalSince1970]) ?? 0
            let id = "dig_\(subscriptionID.dropFirst(4))_\(Int(dueAt.timeIntervalSince1970))" + (earlier > 0 ? "_\(earlier + 1)" : "")
            let digest = Digest(id: id, subscriptionID: subscriptionID, query: subscription.query, dueAt: dueAt, createdAt: now, stories: stories)
            try db.execute(
                sql: "INSERT INTO notice (id, subscription_id, type, due_at, created_at, notice_json) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    id, subscriptionID, Notice.digest(digest).type, dueAt.timeIntervalSince1970, now.timeIntervalSince1970,
                    String(decoding: try JSONCoding.encoder().encode(digest), as: UTF8.self),
                ])
            for story in stories {
                try db.execute(sql: "UPDATE alert SET held_at = NULL, digest_id = ? WHERE id = ?", arguments: [id, story.alertID])
                try db.execute(sql: "UPDATE alert_outlet SET told = 1 WHERE alert_id = ?", arguments: [story.alertID])
            }
            try WebhookOutbox.enqueue(db, notice: .digest(digest), subscription: subscription, now: Date().timeIntervalSince1970)
            return digest
        }
    }

    /// What the next digest of a subscription would hold, and when it is due; with `send`, makes it now.
    /// - Throws: ``ControlFailure`` `notFound` for an unknown id, or another owner's.
    func digest(_ request: DigestRequest) async throws -> DigestReply {
        let now = clock.now()
        let found = try await pool.read { db -> (Subscription, [DigestStory], Double?)? in
            guard
                let row = try Row.fetchOne(db, sql: "SELECT \(SubscriptionStore.columns) FROM subscription WHERE id = ?", arguments: [request.id]),
                request.owner == nil || row["owner"] == request.owner
            else { return nil }
            let oldest = try Double.fetchOne(db, sql: "SELECT min(held_at) FROM alert WHERE subscription_id = ? AND held_at IS NOT NULL", arguments: [request.id])
            // Sending reads what is held inside its own transaction; only a preview needs it here.
            let stories = request.action == .preview ? try Self.heldStories(db, subscriptionID: request.id, upTo: now) : []
            return (SubscriptionStore.subscription(row), stories, oldest)
        }
        guard let (subscription, stories, oldest) = found else {
            throw ControlFailure(code: .notFound, message: "no subscription with id \(request.id); `newsctl subscriptions` lists them")
        }
        let due = oldest.map { subscription.schedule.nextDelivery(after: Date(timeIntervalSince1970: $0)) }
        switch request.action {
        case .preview:
            let preview = stories.isEmpty
                ? nil
                : Digest(id: "preview", subscriptionID: subscription.id, query: subscription.query, dueAt: due ?? now, createdAt: now, stories: stories)
            return DigestReply(digest: preview, dueAt: due, sent: false, schedule: subscription.schedule.summary)
        case .send:
            guard subscription.webhook != nil else {
                throw ControlFailure(code: .badRequest, message: "subscription \(subscription.id) has no destination to send a digest to")
            }
            let made = try await makeIfDue(subscription.id, force: true)
            return DigestReply(digest: made, dueAt: made == nil ? due : nil, sent: made != nil, schedule: subscription.schedule.summary)
        }
    }

    /// The held alerts of a subscription as digest entries, newest first, each with its outlets.
    static func heldStories(_ db: Database, subscriptionID: String, upTo now: Date) throws -> [DigestStory] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT id, alert_json FROM alert WHERE subscription_id = ? AND held_at IS NOT NULL AND held_at <= ?
                ORDER BY created_at DESC, id LIMIT \(maximumStories)
                """,
            arguments: [subscriptionID, now.timeIntervalSince1970])
        let decoder = JSONCoding.decoder()
        return try rows.map { row in
            let alert = try decoder.decode(Alert.self, from: Data((row["alert_json"] as String).utf8))
            let outlets = try Row.fetchAll(db, sql: "SELECT outlet, told FROM alert_outlet WHERE alert_id = ? ORDER BY seen_at, outlet", arguments: [alert.id])
            let names: [String] = outlets.map { $0["outlet"] }
            let untold: [String] = outlets.filter { !($0["told"] as Bool) }.map { $0["outlet"] }
            // An update when the subscriber has been told of the story (some outlet is told).
            let update = outlets.contains { $0["told"] as Bool }
            return DigestStory(
                alertID: alert.id, headline: alert.story.headline, url: alert.story.url, publishedAt: alert.story.publishedAt,
                outlets: names.isEmpty ? [alert.story.source ?? "unknown source"] : names, newOutlets: untold, update: update,
                why: NoticeView.whyLines(alert))
        }
    }
}
