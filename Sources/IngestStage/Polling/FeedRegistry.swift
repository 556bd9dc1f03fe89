import Foundation
import GRDB
import NewsModel
import NewsTransport

/// The feeds one `ingest` instance polls and their state (validators for conditional GET, counters,
/// backoff), kept in `<data-dir>/feeds-<instance>.sqlite` so that a restart neither refetches what
/// did not change nor forgets a failing feed's backoff.
public final class FeedRegistry: Sendable {
    private let pool: DatabasePool
    /// The instance whose feeds these are.
    public let instance: String

    /// Opens (creating if needed) the registry at `path`.
    public init(path: String, instance: String) throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE feed (
                        url TEXT PRIMARY KEY, name TEXT, interval_seconds INTEGER NOT NULL,
                        added_at REAL NOT NULL, next_poll_at REAL NOT NULL, last_polled_at REAL, last_success_at REAL,
                        etag TEXT, last_modified TEXT,
                        polls INTEGER NOT NULL DEFAULT 0, not_modified INTEGER NOT NULL DEFAULT 0,
                        errors INTEGER NOT NULL DEFAULT 0, consecutive_errors INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT, last_error_at REAL,
                        stories_accepted INTEGER NOT NULL DEFAULT 0, duplicates INTEGER NOT NULL DEFAULT 0
                    );
                    """)
        }
        migrator.registerMigration("v2: reading marks") { db in
            // Set while a fetched document is being read: still set at start-up, the read never finished.
            try db.execute(sql: "ALTER TABLE feed ADD COLUMN reading_since REAL")
        }
        pool = try SQLiteSettings.openPool(path: path, migrator: migrator)
        self.instance = instance
    }

    /// Adds a feed, due at once; for a feed already there, changes its interval and name and keeps
    /// its state.
    public func add(_ request: FeedAddRequest, now: Date = Date()) async throws -> PolledFeed {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO feed (url, name, interval_seconds, added_at, next_poll_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(url) DO UPDATE SET name = excluded.name, interval_seconds = excluded.interval_seconds
                    """,
                arguments: [request.url, request.name, request.intervalSeconds, now.timeIntervalSince1970, now.timeIntervalSince1970])
            return try Self.fetch(db, url: request.url, instance: self.instance)!
        }
    }

    /// Stops polling a feed; nil when there was no such feed.
    public func remove(url: String) async throws -> PolledFeed? {
        try await pool.write { db in
            guard let state = try Self.fetch(db, url: url, instance: self.instance) else { return nil }
            try db.execute(sql: "DELETE FROM feed WHERE url = ?", arguments: [url])
            return state
        }
    }

    /// Every feed, by URL.
    public func all() async throws -> [PolledFeed] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM feed ORDER BY url").map { Self.state($0, instance: self.instance) }
        }
    }

    /// The feed at `url`, if it is registered.
    public func feed(url: String) async throws -> PolledFeed? {
        try await pool.read { db in try Self.fetch(db, url: url, instance: self.instance) }
    }

    /// Marks the feed's fetched document as being read; the outcome recorded next clears the mark.
    public func markReading(url: String, now: Date = Date()) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE feed SET reading_since = ? WHERE url = ?", arguments: [now.timeIntervalSince1970, url])
        }
    }

    /// The feeds whose last document was being read when the process stopped: a read that never
    /// finished, perhaps because the document crashed the process.
    public func interruptedReads() async throws -> [PolledFeed] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM feed WHERE reading_since IS NOT NULL ORDER BY url").map {
                Self.state($0, instance: self.instance)
            }
        }
    }

    /// Records a poll that got the feed (or "not modified"): new validators, counts, the next poll one
    /// interval on.
    public func recordSuccess(
        url: String, validators: FeedValidators?, accepted: Int, duplicates: Int, notModified: Bool, now: Date = Date(),
        next: Date
    ) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE feed SET last_polled_at = ?, last_success_at = ?, next_poll_at = ?, polls = polls + 1, reading_since = NULL,
                        not_modified = not_modified + ?, consecutive_errors = 0,
                        etag = CASE WHEN ? THEN ? ELSE etag END,
                        last_modified = CASE WHEN ? THEN ? ELSE last_modified END,
                        stories_accepted = stories_accepted + ?, duplicates = duplicates + ?
                    WHERE url = ?
                    """,
                arguments: [
                    now.timeIntervalSince1970, now.timeIntervalSince1970, next.timeIntervalSince1970, notModified ? 1 : 0,
                    validators != nil, validators?.etag, validators != nil, validators?.lastModified, accepted, duplicates, url,
                ])
        }
    }

    /// Records a failed poll and when to try again.
    public func recordFailure(url: String, error: String, now: Date = Date(), next: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE feed SET last_polled_at = ?, next_poll_at = ?, polls = polls + 1, errors = errors + 1, reading_since = NULL,
                        consecutive_errors = consecutive_errors + 1, last_error = ?, last_error_at = ?
                    WHERE url = ?
                    """,
                arguments: [now.timeIntervalSince1970, next.timeIntervalSince1970, error, now.timeIntervalSince1970, url])
        }
    }

    private static func fetch(_ db: Database, url: String, instance: String) throws -> PolledFeed? {
        try Row.fetchOne(db, sql: "SELECT * FROM feed WHERE url = ?", arguments: [url]).map { state($0, instance: instance) }
    }

    private static func state(_ row: Row, instance: String) -> PolledFeed {
        func date(_ column: String) -> Date? {
            (row[column] as Double?).map(Date.init(timeIntervalSince1970:))
        }
        var state = PolledFeed(
            url: row["url"], name: row["name"], intervalSeconds: row["interval_seconds"], instance: instance,
            addedAt: date("added_at")!)
        state.nextPollAt = date("next_poll_at")!
        state.lastPolledAt = date("last_polled_at")
        state.lastSuccessAt = date("last_success_at")
        state.etag = row["etag"]
        state.lastModified = row["last_modified"]
        state.polls = row["polls"]
        state.notModified = row["not_modified"]
        state.errors = row["errors"]
        state.consecutiveErrors = row["consecutive_errors"]
        state.lastError = row["last_error"]
        state.lastErrorAt = date("last_error_at")
        state.storiesAccepted = row["stories_accepted"]
        state.duplicates = row["duplicates"]
        return state
    }
}
