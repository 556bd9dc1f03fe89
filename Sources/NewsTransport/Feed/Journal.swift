import Foundation
import GRDB
import Metrics
import NewsModel
import Synchronization

/// How much of its journal a producer keeps.
public struct JournalRetention: Sendable, Hashable {
    /// Entries older than this are dropped (default 7 days).
    public var maxAge: Duration
    /// At most this many entries are kept (default 1,000,000); the oldest go first.
    public var maxEntries: Int

    /// Creates a policy.
    public init(maxAge: Duration = .seconds(7 * 24 * 3600), maxEntries: Int = 1_000_000) {
        self.maxAge = maxAge
        self.maxEntries = maxEntries
    }

    /// The default: a week, and at most a million entries.
    public static let standard = JournalRetention()
}

/// A journal that can no longer be written: its file was removed or replaced under the running stage.
public struct JournalStorageError: Error, Sendable, CustomStringConvertible {
    /// One sentence for the user and the log.
    public let message: String
    public var description: String { message }
}

/// A file's device and inode: what stays the same while it is the same file.
struct FileIdentity: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64

    /// The identity of the file at `path`, or nil when there is none.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

/// One journaled message: its sequence number, topic and encoded envelope.
public struct JournalEntry: Sendable, Hashable {
    /// The producer's sequence number; gap-free and increasing across restarts.
    public var sequence: UInt64
    /// The topic frame.
    public var topic: String
    /// The encoded envelope frame.
    public var body: Data
}

/// A producer's durable record of everything it published, in SQLite (`<data-dir>/journal-<instance>.sqlite`).
///
/// Appending assigns the next sequence number, writes the envelope and commits before returning: a
/// message is journaled before anyone is told it exists. Consumer groups' positions live in the same
/// file. Entries are dropped by the ``JournalRetention`` policy.
public final class Journal: FeedJournal, Sendable {
    private let pool: DatabasePool
    private let producer: MessageProducer
    private let codec = WireCodec()
    private let state: Mutex<(last: UInt64, oldest: UInt64)>
    /// The retention policy.
    public let retention: JournalRetention
    /// The journal file.
    public let path: String
    /// The file's identity (device and inode) when it was opened.
    private let identity: FileIdentity?
    /// Set once the file is found removed or replaced; from then on nothing is appended.
    private let lost = Mutex<String?>(nil)

    /// Opens (creating if needed) the journal at `path` for `producer`.
    public init(path: String, producer: MessageProducer, retention: JournalRetention = .standard) throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE entry (seq INTEGER PRIMARY KEY, topic TEXT NOT NULL, body BLOB NOT NULL, appended_at REAL NOT NULL);
                    CREATE TABLE consumer_group (name TEXT PRIMARY KEY, position INTEGER NOT NULL, updated_at REAL NOT NULL);
                    CREATE TABLE journal_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                    """)
        }
        pool = try SQLiteSettings.openPool(path: path, migrator: migrator)
        let (last, oldest) = try pool.read { db -> (UInt64, UInt64) in
            let maxSeq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM entry")
            let dropped = try Int64.fetchOne(db, sql: "SELECT value FROM journal_meta WHERE key = 'dropped_through'") ?? 0
            let minSeq = try Int64.fetchOne(db, sql: "SELECT min(seq) FROM entry")
            let last = UInt64(max(maxSeq ?? 0, dropped))
            return (last, UInt64(minSeq ?? (Int64(last) + 1)))
        }
        state = Mutex((last, oldest))
        self.producer = producer
        self.retention = retention
        self.path = path
        self.identity = FileIdentity(path: path)
    }

    /// Why the journal can no longer be written, once its file was found removed or replaced; nil while
    /// it is sound.
    public var storageProblem: String? { lost.withLock { $0 } }

    /// Checks that the file opened is still the one at ``path``: a journal whose file was deleted (or
    /// replaced) under a running stage would write into a file nobody can open again, and a restart
    /// would begin an empty journal. Once found, the problem sticks until the stage restarts.
    /// - Throws: ``JournalStorageError`` when the file is gone or replaced.
    public func checkStorage() throws(JournalStorageError) {
        if let problem = lost.withLock({ $0 }) { throw JournalStorageError(message: problem) }
        guard let identity, FileIdentity(path: path) != identity else { return }
        let problem =
            "the journal \(path) was removed or replaced while the stage ran; it takes no more input until it is restarted "
            + "(what it journaled since the last backup is lost)"
        lost.withLock { $0 = problem }
        throw JournalStorageError(message: problem)
    }

    /// The last sequence number appended (0 when empty).
    public var lastSequence: UInt64 { state.withLock { $0.last } }

    /// The oldest sequence number still kept; `lastSequence + 1` when nothing is kept.
    public var oldestSequence: UInt64 { state.withLock { $0.oldest } }

    /// Journals payloads, each as the envelope of the next sequence number, and commits.
    /// - Returns: the journaled entries, in order.
    public func append(_ items: [(payload: Payload, topic: String, originAt: Date)]) async throws -> [JournalEntry] {
        guard !items.isEmpty else { return [] }
        try checkStorage()
        let producer = self.producer
        let codec = self.codec
        let entries = try await pool.write { db -> [JournalEntry] in
            var next = UInt64(try Int64.fetchOne(db, sql: "SELECT max(seq) FROM entry") ?? 0)
            let dropped = UInt64(try Int64.fetchOne(db, sql: "SELECT value FROM journal_meta WHERE key = 'dropped_through'") ?? 0)
            next = max(next, dropped)
            var entries: [JournalEntry] = []
            let now = Date()
            for item in items {
                next += 1
                let envelope = producer.envelope(item.payload, originAt: item.originAt, sequence: next)
                let frames = try codec.encode(topic: item.topic, envelope: envelope)
                try db.execute(
                    sql: "INSERT INTO entry (seq, topic, body, appended_at) VALUES (?, ?, ?, ?)",
                    arguments: [Int64(next), item.topic, frames[1], now.timeIntervalSince1970])
                entries.append(JournalEntry(sequence: next, topic: item.topic, body: frames[1]))
            }
            return entries
        }
        state.withLock { state in
            state.last = max(state.last, entries.last!.sequence)
            if state.oldest > entries.first!.sequence { state.oldest = entries.first!.sequence }
        }
        return entries
    }

    /// Journals one payload. See ``append(_:)``.
    public func append(_ payload: Payload, topic: String, originAt: Date) async throws -> JournalEntry {
        try await append([(payload, topic, originAt)])[0]
    }

    /// Entries from `sequence` on, at most `limit`. Blocks the calling thread: call it from a dedicated
    /// thread (the feed server's).
    public func entries(from sequence: UInt64, limit: Int) throws -> [JournalEntry] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, topic, body FROM entry WHERE seq >= ? ORDER BY seq LIMIT ?",
                arguments: [Int64(sequence), limit]
            ).map { row in
                JournalEntry(sequence: UInt64(row["seq"] as Int64), topic: row["topic"], body: row["body"])
            }
        }
    }

    /// The stored positions of the consumer groups. Blocking; see ``entries(from:limit:)``.
    public func groupPositions() throws -> [String: UInt64] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT name, position FROM consumer_group")
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as String, UInt64($0["position"] as Int64)) })
        }
    }

    /// The stored consumer groups: each one's position and when it was last stored. Blocking; see
    /// ``entries(from:limit:)``.
    func storedGroups() throws -> [String: (position: UInt64, updatedAt: Date)] {
        try pool.read { db in
            var groups: [String: (position: UInt64, updatedAt: Date)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, position, updated_at FROM consumer_group") {
                groups[row["name"]] = (UInt64(row["position"] as Int64), Date(timeIntervalSince1970: row["updated_at"]))
            }
            return groups
        }
    }

    /// Forgets stored consumer groups. Blocking; see ``entries(from:limit:)``.
    func removeGroups(_ names: [String]) throws {
        guard !names.isEmpty else { return }
        try pool.write { db in
            for name in names { try db.execute(sql: "DELETE FROM consumer_group WHERE name = ?", arguments: [name]) }
        }
    }

    /// Stores consumer group positions. Blocking; see ``entries(from:limit:)``.
    public func saveGroupPositions(_ positions: [String: UInt64]) throws {
        guard !positions.isEmpty else { return }
        try pool.write { db in
            for (name, position) in positions {
                try db.execute(
                    sql: """
                        INSERT INTO consumer_group (name, position, updated_at) VALUES (?, ?, ?)
                        ON CONFLICT(name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
                        """,
                    arguments: [name, Int64(position), Date().timeIntervalSince1970])
            }
        }
    }

    /// Drops entries the retention policy no longer keeps. Blocking; see ``entries(from:limit:)``.
    /// - Returns: how many entries were dropped.
    @discardableResult
    public func enforceRetention(now: Date = Date()) throws -> Int {
        let cutoff = now.timeIntervalSince1970 - Double(retention.maxAge.components.seconds)
        let maxEntries = retention.maxEntries
        let (dropped, oldest) = try pool.write { db -> (Int, UInt64?) in
            let last = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM entry") ?? 0
            let byCount = last - Int64(maxEntries)
            let byAge = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM entry WHERE appended_at < ?", arguments: [cutoff]) ?? 0
            let through = max(byCount, byAge)
            guard through > 0 else { return (0, nil) }
            try db.execute(sql: "DELETE FROM entry WHERE seq <= ?", arguments: [through])
            let count = db.changesCount
            let previous = try Int64.fetchOne(db, sql: "SELECT value FROM journal_meta WHERE key = 'dropped_through'") ?? 0
            try db.execute(
                sql: "INSERT INTO journal_meta (key, value) VALUES ('dropped_through', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [max(previous, through)])
            return (count, UInt64(max(previous, through) + 1))
        }
        if let oldest { state.withLock { $0.oldest = max($0.oldest, oldest) } }
        if dropped > 0 {
            Counter(label: "news_journal_retention_dropped_total", dimensions: [("producer", producer.id)]).increment(by: dropped)
        }
        return dropped
    }

    /// The journal's size on disk, with its write-ahead log.
    public var fileBytes: Int {
        [path, path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0)
        }
    }
}
