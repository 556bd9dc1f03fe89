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
        let pool = try DatabasePool(path: path, configuration: configuration())
        try migrator.migrate(pool)
        return pool
    }
}
