import Foundation
import GRDB
import NewsModel

/// Which receiver a delivery goes to: its URL's scheme, host and port. Deliveries are limited per
/// destination, so one slow receiver holds only its own.
enum WebhookDestination {
    /// `https://hooks.example:443` for `https://Hooks.example/a?b`.
    static func key(_ url: String) -> String {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host?.lowercased() else {
            return url
        }
        return "\(scheme)://\(host):\(parsed.port ?? (scheme == "https" ? 443 : 80))"
    }
}

/// One delivery taken from the outbox for an attempt, with what the attempt needs.
struct ClaimedDelivery: Sendable {
    var id: String
    var subscriptionID: String
    var url: String
    /// Its ``WebhookDestination`` key.
    var destination: String
    var body: Data
    var attempts: Int
    /// The subscription's secret; nil when the subscription is gone.
    var secret: String?
}

/// The durable webhook outbox, in the subscription store's database (`delivery` table): alerts are
/// written into it in the transaction that records them, claimed for an attempt with a lease (so two
/// `notify` replicas never send one delivery at once, and a replica that dies mid-attempt leaves it to
/// be retried), and marked delivered, retried later or dead.
public struct WebhookOutbox: Sendable {
    /// The subscription store's database, which holds the `delivery` table.
    let pool: DatabasePool

    /// Puts a notice's delivery to its subscription's destination in the outbox, written in the
    /// subscription's format, inside the transaction `db` that records the notice (so the two are
    /// stored together or not at all). A subscription without a destination gets none.
    static func enqueue(_ db: Database, notice: Notice, subscription: Subscription, now: TimeInterval) throws {
        guard let destination = subscription.webhook else { return }
        let (url, body) = try WebhookPayload.render(notice, format: subscription.webhookFormat ?? .standard, url: destination)
        try db.execute(
            sql: """
                INSERT INTO delivery (id, subscription_id, url, body, state, next_attempt_at, created_at, destination)
                VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)
                ON CONFLICT DO NOTHING
                """,
            arguments: [
                notice.id, notice.subscriptionID, url, body, now, RFC3339.format(Date(timeIntervalSince1970: now)), WebhookDestination.key(url),
            ])
    }

    /// Whether any delivery is due: a read, so an idle outbox costs no write transaction per poll.
    func hasDueDelivery() async throws -> Bool {
        let now = Date().timeIntervalSince1970
        return try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM delivery WHERE state = 'pending' AND next_attempt_at <= ?)", arguments: [now])
                ?? false
        }
    }

    /// Claims due deliveries until `lease` from now: at most `limit` in all and, per destination, no more
    /// than `room` says (a destination missing from it has `perDestination`); the oldest due first.
    func claimDueDeliveries(limit: Int, perDestination: Int, room: [String: Int], lease: TimeInterval) async throws -> [ClaimedDelivery] {
        guard limit > 0 else { return [] }
        let now = Date().timeIntervalSince1970
        let full = room.filter { $0.value <= 0 }.map(\.key)
        return try await pool.write { db in
            // Destinations with no room left are skipped in SQL, so their backlog never hides others' due work.
            let exclusion = full.isEmpty ? "" : "AND d.destination NOT IN (\(databaseQuestionMarks(count: full.count)))"
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT d.id, d.subscription_id, d.url, d.destination, d.body, d.attempts, s.webhook_secret AS secret
                    FROM delivery d LEFT JOIN subscription s ON s.id = d.subscription_id
                    WHERE d.state = 'pending' AND d.next_attempt_at <= ? \(exclusion) ORDER BY d.next_attempt_at LIMIT ?
                    """,
                arguments: StatementArguments([now] + full.map { $0 as any DatabaseValueConvertible } + [limit * 4]))
            var left = room
            var claimed: [ClaimedDelivery] = []
            for row in rows where claimed.count < limit {
                let destination: String = row["destination"]
                let available = left[destination] ?? perDestination
                guard available > 0 else { continue }
                left[destination] = available - 1
                try db.execute(sql: "UPDATE delivery SET next_attempt_at = ? WHERE id = ?", arguments: [now + lease, row["id"] as String])
                claimed.append(
                    ClaimedDelivery(
                        id: row["id"], subscriptionID: row["subscription_id"], url: row["url"], destination: destination,
                        body: Data((row["body"] as String).utf8), attempts: row["attempts"], secret: row["secret"]))
            }
            return claimed
        }
    }

    /// Records a 2xx answer.
    func markDelivered(_ id: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE delivery SET state = 'delivered', attempts = attempts + 1, last_error = NULL, delivered_at = ? WHERE id = ?",
                arguments: [RFC3339.format(Date()), id])
        }
    }

    /// Puts a delivery off until `until` without counting an attempt (a recipient over its rate).
    func postpone(_ id: String, until: Date, reason: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE delivery SET next_attempt_at = ?, last_error = ? WHERE id = ?", arguments: [until.timeIntervalSince1970, reason, id])
        }
    }

    /// How many deliveries to `url` were delivered since `since`.
    func deliveredCount(to url: String, since: Date) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM delivery WHERE url = ? AND state = 'delivered' AND delivered_at >= ?",
                arguments: [url, RFC3339.format(since)]) ?? 0
        }
    }

    /// Records a failed attempt: retried at `retryAt`, or a dead letter when `retryAt` is nil.
    func markFailed(_ id: String, error: String, retryAt: Date?) async throws {
        try await pool.write { db in
            if let retryAt {
                try db.execute(
                    sql: "UPDATE delivery SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                    arguments: [error, retryAt.timeIntervalSince1970, id])
            } else {
                try db.execute(
                    sql: "UPDATE delivery SET state = 'dead', attempts = attempts + 1, last_error = ? WHERE id = ?", arguments: [error, id])
            }
        }
    }

    /// Deliveries, newest first.
    public func deliveries(_ request: DeliveriesRequest) async throws -> [WebhookDelivery] {
        try ControlFailure.checkLimit(request.limit)
        return try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, subscription_id, url, state, attempts, last_error, next_attempt_at, created_at, delivered_at
                    FROM delivery
                    WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR subscription_id IN (SELECT id FROM subscription WHERE owner = ?2))
                    ORDER BY created_at DESC, id LIMIT ?3
                    """,
                arguments: [request.state?.rawValue, request.owner, request.limit])
            return rows.map { row in
                let state = DeliveryState(rawValue: row["state"]) ?? .pending
                return WebhookDelivery(
                    id: row["id"], subscriptionID: row["subscription_id"], url: row["url"], state: state, attempts: row["attempts"],
                    lastError: row["last_error"],
                    nextAttemptAt: state == .pending ? Date(timeIntervalSince1970: row["next_attempt_at"]) : nil,
                    createdAt: RFC3339.parse(row["created_at"]) ?? Date(), deliveredAt: (row["delivered_at"] as String?).flatMap(RFC3339.parse))
            }
        }
    }

    /// Puts dead letters back in the outbox, due now, with their attempts counted from zero.
    /// - Throws: ``ControlFailure`` `notFound` when `id` names no dead letter.
    public func replay(_ request: ReplayRequest) async throws -> ReplayResult {
        let now = Date().timeIntervalSince1970
        let count = try await pool.write { db -> Int in
            try db.execute(
                sql: """
                    UPDATE delivery SET state = 'pending', attempts = 0, next_attempt_at = ?1, last_error = NULL
                    WHERE state = 'dead' AND (?2 IS NULL OR id = ?2)
                        AND (?3 IS NULL OR subscription_id IN (SELECT id FROM subscription WHERE owner = ?3))
                    """,
                arguments: [now, request.id, request.owner])
            return db.changesCount
        }
        if let id = request.id, count == 0 {
            throw ControlFailure(code: .notFound, message: "no dead letter with id \(id); `newsctl deliveries --dead` lists them")
        }
        return ReplayResult(replayed: count)
    }
}
