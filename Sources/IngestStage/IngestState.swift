import Foundation
import GRDB
import NewsModel
import NewsTransport

/// What `ingest` remembers across restarts: the files it has processed from watched directories.
/// Kept in `<data-dir>/ingest-state-<instance>.sqlite`.
public final class IngestState: Sendable {
    private let pool: DatabasePool

    /// Opens (creating if needed) the state file at `path`.
    public init(path: String) throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE processed_file (
                        path TEXT PRIMARY KEY, size INTEGER NOT NULL, modified REAL NOT NULL, processed_at REAL NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2: attempts and failures") { db in
            // A file is recorded as attempted before it is read; a file whose reading failed is recorded
            // with its error, and read again only once it changes.
            try db.execute(
                sql: """
                    CREATE TABLE attempted_file (path TEXT PRIMARY KEY, size INTEGER NOT NULL, modified REAL NOT NULL, started_at REAL NOT NULL);
                    ALTER TABLE processed_file ADD COLUMN error TEXT;
                    """)
        }
        pool = try SQLiteSettings.openPool(path: path, migrator: migrator)
    }

    /// Records that `path`, in the form it has, is about to be read.
    public func markAttempted(path: String, size: Int64, modified: Double) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO attempted_file (path, size, modified, started_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(path) DO UPDATE SET size = excluded.size, modified = excluded.modified, started_at = excluded.started_at
                    """,
                arguments: [path, size, modified, Date().timeIntervalSince1970])
        }
    }

    /// Forgets the attempt on `path` (its reading was cut short by shutdown: read it again next time).
    public func clearAttempt(path: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM attempted_file WHERE path = ?", arguments: [path]) }
    }

    /// Turns every attempt left over from an earlier run into a failure: the process stopped while it
    /// read the file, perhaps because the file crashed it, so it is not read again until it changes.
    /// - Returns: the paths recorded as failed.
    public func failInterruptedAttempts() async throws -> [String] {
        try await pool.write { db in
            let paths = try String.fetchAll(db, sql: "SELECT path FROM attempted_file ORDER BY path")
            try db.execute(
                sql: """
                    INSERT INTO processed_file (path, size, modified, processed_at, error)
                    SELECT path, size, modified, ?, 'ingest stopped while reading it (it may have crashed on it); read again once it changes'
                    FROM attempted_file WHERE true
                    ON CONFLICT(path) DO UPDATE SET size = excluded.size, modified = excluded.modified,
                        processed_at = excluded.processed_at, error = excluded.error;
                    DELETE FROM attempted_file;
                    """,
                arguments: [Date().timeIntervalSince1970])
            return paths
        }
    }

    /// The error recorded for `path`, when reading it failed.
    public func failure(path: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT error FROM processed_file WHERE path = ?", arguments: [path]) }
    }

    /// The processed files, by path, with the size and modification time they had.
    public func processedFiles() async throws -> [String: (size: Int64, modified: Double)] {
        try await pool.read { db in
            var result: [String: (size: Int64, modified: Double)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT path, size, modified FROM processed_file") {
                result[row["path"]] = (row["size"], row["modified"])
            }
            return result
        }
    }

    /// Records a file as processed in the form it had, with the error that stopped its reading if any
    /// (it is not read again until it changes), and clears its attempt.
    public func markProcessed(path: String, size: Int64, modified: Double, error: String? = nil) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO processed_file (path, size, modified, processed_at, error) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(path) DO UPDATE SET size = excluded.size, modified = excluded.modified,
                        processed_at = excluded.processed_at, error = excluded.error
                    """,
                arguments: [path, size, modified, Date().timeIntervalSince1970, error])
            try db.execute(sql: "DELETE FROM attempted_file WHERE path = ?", arguments: [path])
        }
    }
}
