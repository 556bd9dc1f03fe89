import Foundation
import GRDB
import NewsModel

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
        pool = try SQLiteSettings.openPool(path: path, migrator: migrator)
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

    /// Records a file as processed in the form it had.
    public func markProcessed(path: String, size: Int64, modified: Double) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO processed_file (path, size, modified, processed_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(path) DO UPDATE SET size = excluded.size, modified = excluded.modified,
                        processed_at = excluded.processed_at
                    """,
                arguments: [path, size, modified, Date().timeIntervalSince1970])
        }
    }
}
