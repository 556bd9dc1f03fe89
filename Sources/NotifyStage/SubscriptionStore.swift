import Foundation
import GRDB
import NewsModel
import NewsTransport
import Synchronization

/// Subscriptions and the alerts they produced, kept durably in SQLite (`<data-dir>/notify.sqlite`),
/// with the parsed subscriptions also held in memory for matching.
public final class SubscriptionStore: Sendable {
    /// A subscription with its parsed query.
    public struct Active: Sendable {
        /// The subscription.
        public var subscription: Subscription
        /// Its parsed query.
        public var query: Query
    }

    let pool: DatabasePool
    /// The time schedules are computed by.
    public let clock: NotifyClock
    /// The webhook deliveries of this store's alerts.
    public var outbox: WebhookOutbox { WebhookOutbox(pool: pool) }
    /// Held alerts and the digests made of them.
    public var digests: DigestStore { DigestStore(pool: pool, clock: clock) }
    /// What spike and silence subscriptions have seen, and their notices.
    public var watches: WatchStore { WatchStore(pool: pool, clock: clock) }
    /// The API tokens the gateway checks, in the same file so every replica shares them.
    public var tokens: TokenStore { TokenStore(pool: pool) }
    /// The subscriptions being matched and the percolator over their queries, built together.
    public struct Matching: Sendable {
        /// The subscriptions, oldest first.
        public var subscriptions: [Active]
        /// Their queries, indexed: match positions are positions in `subscriptions`.
        public var percolator: Percolator
        /// Positions in `subscriptions` by id.
        var positions: [String: Int] = [:]
        /// The spike and silence subscriptions, which the notice scheduler judges.
        var watches: [Subscription] = []

        init(subscriptions: [Active], percolator: Percolator) {
            self.subscriptions = subscriptions
            self.percolator = percolator
            for (position, active) in subscriptions.enumerated() {
                positions[active.subscription.id] = position
                if active.subscription.watchKind != .alert { watches.append(active.subscription) }
            }
        }

        /// The subscription with `id`, if it is being matched.
        func subscription(_ id: String) -> Subscription? { positions[id].map { subscriptions[$0].subscription } }
    }

    private let active = Mutex<(version: Int64, matching: Matching)>((-1, Matching(subscriptions: [], percolator: Percolator(queries: []))))

    /// Opens (creating if needed) the store at `path` and loads the subscriptions.
    public init(path: String, clock: NotifyClock = .system) throws {
        self.clock = clock
        pool = try SQLiteSettings.openPool(path: path, migrator: Self.migrator)
        let version = try pool.read(Self.version)
        if version != active.withLock({ $0.version }) { load(try pool.read(Self.subscriptionRows), version: version) }
    }

    private static func version(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'subscriptions_version'") ?? 0
    }

    /// The columns ``subscription(_:)`` reads.
    static let columns = "id, query, created_at, webhook_url, owner, webhook_format, kind, delivery_json, sensitivity, silence_factor"

    private static func subscriptionRows(_ db: Database) throws -> [Row] {
        try Row.fetchAll(db, sql: "SELECT \(columns) FROM subscription ORDER BY created_at")
    }

    /// Reloads the subscriptions if another replica (or this one) changed them since the last load;
    /// cheap when nothing changed. The reads are awaited: nothing here blocks the cooperative pool.
    public func refreshIfChanged() async throws {
        let version = try await pool.read(Self.version)
        guard version != active.withLock({ $0.version }) else { return }
        load(try await pool.read(Self.subscriptionRows), version: version)
    }

    private func load(_ rows: [Row], version: Int64) {
        var loaded: [Active] = []
        for row in rows {
            let text: String = row["query"]
            // A stored query that no longer parses (after a language change) is kept but not matched.
            guard let query = try? Query(text) else { continue }
            loaded.append(
                Active(
                    subscription: Self.subscription(row), query: query))
        }
        let matching = Matching(subscriptions: loaded, percolator: Percolator(queries: loaded.map(\.query.root)))
        // Loads may race (requests are served concurrently): a newer version is never replaced by an older one.
        active.withLock { if version > $0.version { $0 = (version, matching) } }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE subscription (
                        id TEXT PRIMARY KEY,
                        query TEXT NOT NULL,
                        canonical TEXT NOT NULL UNIQUE,
                        created_at TEXT NOT NULL
                    );
                    CREATE TABLE alert (
                        id TEXT PRIMARY KEY,
                        subscription_id TEXT NOT NULL,
                        story_id TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        alert_json TEXT NOT NULL,
                        UNIQUE (subscription_id, story_id)
                    );
                    CREATE INDEX alert_recent ON alert(subscription_id, created_at);
                    CREATE INDEX alert_created ON alert(created_at);
                    """)
        }
        migrator.registerMigration("v2: subscription version") { db in
            try db.execute(
                sql: """
                    CREATE TABLE store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                    INSERT INTO store_meta (key, value) VALUES ('subscriptions_version', 1);
                    """)
        }
        migrator.registerMigration("v3: webhooks and their outbox") { db in
            try db.execute(
                sql: """
                    ALTER TABLE subscription ADD COLUMN webhook_url TEXT;
                    ALTER TABLE subscription ADD COLUMN webhook_secret TEXT;
                    CREATE TABLE delivery (
                        id TEXT PRIMARY KEY,
                        subscription_id TEXT NOT NULL,
                        url TEXT NOT NULL,
                        body TEXT NOT NULL,
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at REAL NOT NULL,
                        last_error TEXT,
                        created_at TEXT NOT NULL,
                        delivered_at TEXT
                    );
                    CREATE INDEX delivery_due ON delivery(state, next_attempt_at);
                    CREATE INDEX delivery_created ON delivery(created_at);
                    """)
        }
        migrator.registerMigration("v4: delivery destinations") { db in
            // Deliveries are queued per receiver (scheme, host and port), so one slow receiver holds
            // only its own.
            try db.execute(sql: "ALTER TABLE delivery ADD COLUMN destination TEXT NOT NULL DEFAULT ''")
            for row in try Row.fetchAll(db, sql: "SELECT id, url FROM delivery") {
                try db.execute(
                    sql: "UPDATE delivery SET destination = ? WHERE id = ?",
                    arguments: [WebhookDestination.key(row["url"]), row["id"] as String])
            }
            try db.execute(sql: "CREATE INDEX delivery_destination ON delivery(state, destination, next_attempt_at)")
        }
        migrator.registerMigration("v5: owners and API tokens") { db in
            // A subscription made through the gateway belongs to its token's owner; local ones have none.
            try db.execute(
                sql: """
                    ALTER TABLE subscription ADD COLUMN owner TEXT;
                    CREATE INDEX subscription_owner ON subscription(owner);
                    CREATE TABLE api_token (
                        id TEXT PRIMARY KEY,
                        owner TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        secret_hash TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        revoked_at TEXT
                    );
                    """)
        }
        migrator.registerMigration("v6: webhook formats") { db in
            // Slack, Teams and ntfy destinations beside the standard signed webhook; NULL is standard.
            try db.execute(sql: "ALTER TABLE subscription ADD COLUMN webhook_format TEXT")
        }
        migrator.registerMigration("v7: digests, story updates, spikes and silences") { db in
            // An alert is held (held_at set) for the next digest: by a digest schedule, a cap, quiet
            // hours, or a story update (an outlet the subscriber has not been told of). instant_at is
            // when it went out on its own, which the cap counts.
            try db.execute(
                sql: """
                    ALTER TABLE subscription ADD COLUMN kind TEXT;
                    ALTER TABLE subscription ADD COLUMN delivery_json TEXT;
                    ALTER TABLE subscription ADD COLUMN sensitivity TEXT;
                    ALTER TABLE subscription ADD COLUMN silence_factor REAL;
                    ALTER TABLE alert ADD COLUMN held_at REAL;
                    ALTER TABLE alert ADD COLUMN instant_at REAL;
                    ALTER TABLE alert ADD COLUMN digest_id TEXT;
                    CREATE INDEX alert_held ON alert(subscription_id, held_at) WHERE held_at IS NOT NULL;
                    CREATE INDEX alert_instant ON alert(subscription_id, instant_at) WHERE instant_at IS NOT NULL;
                    CREATE TABLE alert_outlet (
                        alert_id TEXT NOT NULL,
                        outlet TEXT NOT NULL,
                        story_id TEXT NOT NULL,
                        seen_at REAL NOT NULL,
                        told INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (alert_id, outlet)
                    );
                    CREATE TABLE notice (
                        id TEXT PRIMARY KEY,
                        subscription_id TEXT NOT NULL,
                        type TEXT NOT NULL,
                        due_at REAL NOT NULL,
                        created_at REAL NOT NULL,
                        notice_json TEXT NOT NULL
                    );
                    CREATE INDEX notice_subscription ON notice(subscription_id, created_at);
                    CREATE TABLE watch_match (
                        subscription_id TEXT NOT NULL,
                        cluster_id TEXT NOT NULL,
                        story_id TEXT NOT NULL,
                        at REAL NOT NULL,
                        headline TEXT NOT NULL,
                        url TEXT,
                        source TEXT,
                        entities TEXT NOT NULL,
                        words TEXT NOT NULL,
                        PRIMARY KEY (subscription_id, cluster_id)
                    );
                    CREATE INDEX watch_match_at ON watch_match(subscription_id, at);
                    CREATE TABLE watch_state (
                        subscription_id TEXT PRIMARY KEY,
                        armed INTEGER NOT NULL DEFAULT 1,
                        last_notice_at REAL
                    );
                    """)
            // Alerts recorded before this version were delivered at once, by their first outlet.
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO alert_outlet (alert_id, outlet, story_id, seen_at, told)
                    SELECT id, coalesce(json_extract(alert_json, '$.story.source'), 'unknown source'), story_id, 0, 1 FROM alert
                    """)
        }
        return migrator
    }

    /// The subscriptions being matched.
    public var subscriptions: [Active] { active.withLock { $0.matching.subscriptions } }

    /// The subscriptions with their percolator, as one consistent snapshot.
    public var matching: Matching { active.withLock { $0.matching } }

    /// Stores a subscription, or returns the existing one with the same canonical query (and webhook).
    /// A new subscription with a webhook gets a signing secret, returned this once.
    /// - Throws: ``ControlFailure`` with code `badQuery` for a query that does not parse.
    public func subscribe(
        _ text: String, webhook: String? = nil, owner: String? = nil, webhookFormat: WebhookFormat? = nil, kind: SubscriptionKind? = nil,
        delivery: DeliverySchedule? = nil, sensitivity: WatchSensitivity? = nil, silenceFactor: Double? = nil
    ) async throws -> SubscribeResult {
        let query: Query
        do {
            query = try Query(text)
        } catch {
            throw ControlFailure(code: .badQuery, message: "bad query \"\(text)\": \(error)")
        }
        // The same query with another webhook, or of another owner, is another subscription.
        let format = webhookFormat == .standard ? nil : webhookFormat
        let canonical = (owner.map { "[\($0)] " } ?? "") + query.description + (webhook.map { " -> " + $0 } ?? "")
            + (format.map { " as " + $0.rawValue } ?? "") + (kind.flatMap { $0 == .alert ? nil : " watching " + $0.rawValue } ?? "")
        let schedule = delivery == .instant ? nil : delivery
        let candidate = Subscription(
            id: Subscription.newID(), query: text, createdAt: clock.now(), webhook: webhook, owner: owner, webhookFormat: format,
            kind: kind == .alert ? nil : kind, delivery: schedule, sensitivity: sensitivity, silenceFactor: silenceFactor)
        let secret = webhook.map { _ in WebhookSignature.newSecret() }
        let result = try await pool.write { db -> SubscribeResult in
            if let row = try Row.fetchOne(
                db, sql: "SELECT \(Self.columns) FROM subscription WHERE canonical = ?",
                arguments: [canonical])
            {
                let existing = Self.subscription(row)
                return SubscribeResult(subscription: existing, created: false)
            }
            try db.execute(
                sql: """
                    INSERT INTO subscription (
                        id, query, canonical, created_at, webhook_url, webhook_secret, owner, webhook_format, kind, delivery_json, sensitivity,
                        silence_factor)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    candidate.id, candidate.query, canonical, RFC3339.format(candidate.createdAt), webhook, secret, owner, format?.rawValue,
                    candidate.kind?.rawValue, try Self.json(schedule), sensitivity?.rawValue, silenceFactor,
                ])
            try Self.bumpVersion(db)
            return SubscribeResult(subscription: candidate, created: true, webhookSecret: secret)
        }
        try await refreshIfChanged()
        return result
    }

    /// Removes a subscription; with an `owner`, only one of theirs.
    /// - Throws: ``ControlFailure`` with code `notFound` for an unknown id, or another owner's (the
    ///   same answer, so an owner cannot learn another's ids).
    public func unsubscribe(_ id: String, owner: String? = nil) async throws -> Subscription {
        let removed = try await pool.write { db -> Subscription? in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(Self.columns) FROM subscription WHERE id = ?", arguments: [id]),
                owner == nil || row["owner"] == owner
            else {
                return nil
            }
            try db.execute(sql: "DELETE FROM subscription WHERE id = ?", arguments: [id])
            try Self.bumpVersion(db)
            return Self.subscription(row)
        }
        guard let removed else {
            throw ControlFailure(code: .notFound, message: "no subscription with id \(id); `newsctl subscriptions` lists them")
        }
        try await refreshIfChanged()
        return removed
    }

    /// Removes a subscription by its e-mail's unsubscribe link (``UnsubscribeLink``).
    /// - Throws: ``ControlFailure`` `notFound` for an unknown id or a token that does not sign it (one
    ///   answer for both, so the link reveals nothing).
    public func unsubscribe(signed request: SignedUnsubscribeRequest) async throws -> Subscription {
        let secret = try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT webhook_secret FROM subscription WHERE id = ?", arguments: [request.id])
        }
        guard let secret, UnsubscribeLink.verify(request.token, subscriptionID: request.id, secret: secret) else {
            throw ControlFailure(code: .notFound, message: "this unsubscribe link is not valid, or the subscription is already gone")
        }
        return try await unsubscribe(request.id)
    }

    static func subscription(_ row: Row) -> Subscription {
        Subscription(
            id: row["id"], query: row["query"], createdAt: RFC3339.parse(row["created_at"]) ?? Date(), webhook: row["webhook_url"],
            owner: row["owner"], webhookFormat: (row["webhook_format"] as String?).flatMap(WebhookFormat.init(rawValue:)),
            kind: (row["kind"] as String?).flatMap(SubscriptionKind.init(rawValue:)),
            delivery: (row["delivery_json"] as String?).flatMap { try? JSONCoding.decoder().decode(DeliverySchedule.self, from: Data($0.utf8)) },
            sensitivity: (row["sensitivity"] as String?).flatMap(WatchSensitivity.init(rawValue:)), silenceFactor: row["silence_factor"])
    }

    static func json(_ schedule: DeliverySchedule?) throws -> String? {
        try schedule.map { String(decoding: try JSONCoding.encoder().encode($0), as: UTF8.self) }
    }

    /// Changes a subscription's delivery or sensitivity; with an `owner`, only one of theirs.
    /// - Throws: ``ControlFailure`` `notFound` for an unknown id (or another owner's), `badRequest` for
    ///   a change that does not suit the subscription.
    public func update(_ request: SubscriptionUpdateRequest) async throws -> Subscription {
        let updated = try await pool.write { db -> Subscription? in
            guard
                let row = try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM subscription WHERE id = ?", arguments: [request.id]),
                request.owner == nil || row["owner"] == request.owner
            else { return nil }
            var subscription = Self.subscription(row)
            let schedule: DeliverySchedule
            do { schedule = try request.applied(to: subscription.schedule) } catch let error as ScheduleError {
                throw ControlFailure(code: .badRequest, message: error.message)
            }
            if schedule != .instant && subscription.webhook == nil {
                throw ControlFailure(code: .badRequest, message: "a digest, cap or quiet hours need a destination: a webhook or an e-mail address")
            }
            if subscription.watchKind != .alert && schedule.isDigest {
                throw ControlFailure(code: .badRequest, message: "digests go with alert subscriptions, not \(subscription.watchKind.rawValue) ones")
            }
            if request.sensitivity != nil && subscription.watchKind == .alert {
                throw ControlFailure(code: .badRequest, message: "sensitivity goes with spike and silence subscriptions")
            }
            subscription.delivery = schedule == .instant ? nil : schedule
            subscription.sensitivity = request.sensitivity ?? subscription.sensitivity
            try db.execute(
                sql: "UPDATE subscription SET delivery_json = ?, sensitivity = ? WHERE id = ?",
                arguments: [try Self.json(subscription.delivery), subscription.sensitivity?.rawValue, subscription.id])
            try Self.bumpVersion(db)
            return subscription
        }
        guard let updated else {
            throw ControlFailure(code: .notFound, message: "no subscription with id \(request.id); `newsctl subscriptions` lists them")
        }
        try await refreshIfChanged()
        return updated
    }

    /// The subscriptions of `owner`, or every one when `owner` is nil, oldest first.
    public func subscriptions(owner: String?) async throws -> [Subscription] {
        try await refreshIfChanged()
        let all = subscriptions.map(\.subscription)
        guard let owner else { return all }
        return all.filter { $0.owner == owner }
    }

    private static func bumpVersion(_ db: Database) throws {
        try db.execute(sql: "UPDATE store_meta SET value = value + 1 WHERE key = 'subscriptions_version'")
    }

    /// The alerts among `alerts` that are not recorded yet.
    public func unrecorded(_ alerts: [Alert]) async throws -> [Alert] {
        guard !alerts.isEmpty else { return [] }
        let ids = alerts.map(\.id)
        let existing = try await pool.read { db in
            Set(try String.fetchAll(db, sql: "SELECT id FROM alert WHERE id IN (\(databaseQuestionMarks(count: ids.count)))", arguments: StatementArguments(ids)))
        }
        return alerts.filter { !existing.contains($0.id) }
    }

    /// Records alerts in one transaction; alerts already recorded are left as they are. A new alert of
    /// a subscription with a destination either goes into the outbox in the same transaction (so a
    /// crash can lose neither) or is held for the next digest: by a digest schedule, quiet hours, or a
    /// cap already reached this hour. Its story's outlet is recorded as told or not accordingly.
    /// - Returns: how many were new.
    @discardableResult
    public func record(_ alerts: [Alert]) async throws -> Int {
        guard !alerts.isEmpty else { return 0 }
        let encoder = JSONCoding.encoder()
        let rows = try alerts.map { alert in
            (alert, String(decoding: try encoder.encode(alert), as: UTF8.self))
        }
        let now = clock.now().timeIntervalSince1970
        return try await pool.write { db in
            var inserted = 0
            for (alert, json) in rows {
                try db.execute(
                    sql: """
                        INSERT INTO alert (id, subscription_id, story_id, created_at, alert_json) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT DO NOTHING
                        """,
                    arguments: [alert.id, alert.subscriptionID, alert.story.id, RFC3339.format(alert.createdAt), json])
                guard db.changesCount > 0 else {
                    // Another replica recorded the story's alert since this one looked: this copy is an outlet.
                    try Self.noteCopy(db, alert, now: now)
                    continue
                }
                inserted += 1
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT \(Self.columns) FROM subscription WHERE id = ? AND webhook_url IS NOT NULL", arguments: [alert.subscriptionID])
                else {
                    try Self.addOutlet(db, alertID: alert.id, story: alert.story, now: now, told: true)
                    continue
                }
                let subscription = Self.subscription(row)
                let held = try Self.mustHold(db, subscription, now: now)
                try Self.addOutlet(db, alertID: alert.id, story: alert.story, now: now, told: !held)
                if held {
                    try db.execute(sql: "UPDATE alert SET held_at = ? WHERE id = ?", arguments: [now, alert.id])
                } else {
                    try WebhookOutbox.enqueue(db, notice: .alert(alert), subscription: subscription, now: Date().timeIntervalSince1970)
                    try db.execute(sql: "UPDATE alert SET instant_at = ? WHERE id = ?", arguments: [now, alert.id])
                }
            }
            return inserted
        }
    }

    /// Whether a new alert of `subscription` waits for a digest rather than going out now.
    private static func mustHold(_ db: Database, _ subscription: Subscription, now: TimeInterval) throws -> Bool {
        let schedule = subscription.schedule
        if schedule.isDigest || schedule.isQuiet(at: Date(timeIntervalSince1970: now)) { return true }
        guard let cap = schedule.maxPerHour else { return false }
        let sent =
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM alert WHERE subscription_id = ? AND instant_at > ?", arguments: [subscription.id, now - 3600]) ?? 0
        return sent >= cap
    }

    private static func addOutlet(_ db: Database, alertID: String, story: AlertStory, now: TimeInterval, told: Bool) throws {
        try db.execute(
            sql: "INSERT OR IGNORE INTO alert_outlet (alert_id, outlet, story_id, seen_at, told) VALUES (?, ?, ?, ?, ?)",
            arguments: [alertID, story.source ?? "unknown source", story.id, now, told])
    }

    /// Records further copies of stories already alerted (the same near-duplicate cluster): each new
    /// outlet is noted, and when the subscription sends updates, its alert is held for the next digest,
    /// which tells of the new outlets once, however many arrive before it. Never a second alert.
    /// - Returns: how many new outlets were noted.
    @discardableResult
    public func recordCopies(_ copies: [Alert]) async throws -> Int {
        guard !copies.isEmpty else { return 0 }
        let now = clock.now().timeIntervalSince1970
        return try await pool.write { db in
            var added = 0
            for copy in copies where try Self.noteCopy(db, copy, now: now) { added += 1 }
            return added
        }
    }

    /// Notes the outlet of a copy of an alerted story; when the subscription sends updates, holds the
    /// alert for its next digest.
    /// - Returns: whether the outlet was new for the alert.
    @discardableResult
    private static func noteCopy(_ db: Database, _ copy: Alert, now: TimeInterval) throws -> Bool {
        guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM alert WHERE id = ?)", arguments: [copy.id]) == true else { return false }
        try addOutlet(db, alertID: copy.id, story: copy.story, now: now, told: false)
        guard db.changesCount > 0 else { return false }
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT \(columns) FROM subscription WHERE id = ? AND webhook_url IS NOT NULL", arguments: [copy.subscriptionID]),
            subscription(row).schedule.sendsUpdates
        else {
            // No updates wanted (or no destination): the outlet is listed, not announced.
            try db.execute(
                sql: "UPDATE alert_outlet SET told = 1 WHERE alert_id = ? AND outlet = ?", arguments: [copy.id, copy.story.source ?? "unknown source"])
            return true
        }
        try db.execute(sql: "UPDATE alert SET held_at = ? WHERE id = ? AND held_at IS NULL", arguments: [now, copy.id])
        return true
    }

    /// Records an alert unless the subscription already has one for the story (or its cluster).
    /// - Returns: true when the alert is new and should be delivered.
    public func record(_ alert: Alert) async throws -> Bool {
        try await record([alert]) == 1
    }

    /// Stored alerts, newest first.
    public func alerts(_ request: AlertsRequest) async throws -> [Alert] {
        try ControlFailure.checkLimit(request.limit)
        let rows: [String] = try await pool.read { db in
            // An owner sees the alerts of their own subscriptions only.
            try String.fetchAll(
                db,
                sql: """
                    SELECT alert_json FROM alert
                    WHERE (?1 IS NULL OR subscription_id = ?1) AND (?2 IS NULL OR subscription_id IN (SELECT id FROM subscription WHERE owner = ?2))
                    ORDER BY created_at DESC LIMIT ?3
                    """,
                arguments: [request.subscriptionID, request.owner, request.limit])
        }
        let decoder = JSONCoding.decoder()
        return try rows.map { try decoder.decode(Alert.self, from: Data($0.utf8)) }
    }
}
