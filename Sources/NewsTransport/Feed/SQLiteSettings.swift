import Foundation
import GRDB
import NewsModel

/// The one SQLite configuration every store in the project uses.
public enum SQLiteSettings {
    /// WAL with `synchronous = NORMAL` (a committed transaction survives a crash of the process; the
    /// last ones may be lost if the machine loses power) and a five-second busy timeout, so replicas
    /// that share a database file wait for each other instead of failing.
    public static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return configuration
    }

    /// Opens (creating the file and its directory if needed) the database at `path` with
    /// ``configuration()``, and brings its schema up to date with `migrator`.
    public static func openPool(path: String, migrator: DatabaseMigrator) throws -> DatabasePool {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // Replicas that share the file may start together: two processes that both find a migration
        // unapplied would both run it (the second fails on "duplicate column"), and switching a new
        // file to WAL can fail while another opens it. A lock file held across both makes one wait for
        // the other. This blocks, at start-up only, before the stage serves anything.
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o660)
        guard lock >= 0 else { throw DatabaseError(resultCode: .SQLITE_CANTOPEN, message: "cannot open \(path).lock: errno \(errno)") }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw DatabaseError(resultCode: .SQLITE_BUSY, message: "cannot lock \(path).lock: errno \(errno)") }
        }
        defer { flock(lock, LOCK_UN) }
        let pool = try DatabasePool(path: path, configuration: configuration())
        try migrator.migrate(pool)
        return pool
    }
}
