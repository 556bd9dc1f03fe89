import Foundation
import GRDB
import NewsModel
import Synchronization

/// Finds duplicate stories. An exact duplicate (a story id, or a headline and body, seen before) is
/// dropped; a near duplicate (the same story re-sent with small edits, or carried by several outlets)
/// is kept and linked to the first one's cluster, so later stages can treat the copies as one story.
///
/// Near duplicates are found with a 64-bit SimHash over word pairs (2-shingles): two stories are near
/// duplicates when their hashes differ in at most ``maxDistance`` bits. Such hashes agree on at least
/// one of six bands of 11 (or 9) bits, so candidates come from six indexed look-ups, not a scan. (On
/// Reuters-21578, pairs of different stories within 5 bits are real repeats; a re-sent story with a
/// phrase changed is 4 bits away.) The state is kept in `<data-dir>/duplicates-<instance>.sqlite` and
/// survives restarts.
public final class DuplicateDetector: Sendable {
    /// The most bits in which two near duplicates' hashes may differ.
    public static let maxDistance = 5

    /// What became of one story.
    public enum Verdict: Sendable, Hashable {
        /// A new story, with its cluster set.
        case fresh(Story)
        /// An exact duplicate of the story with this id.
        case duplicate(of: String)
    }

    private let pool: DatabasePool
    /// The fingerprints of fresh stories from ``classify(_:)``, kept for ``record(_:)`` so that a story
    /// is tokenised once on its way in (bounded; a miss is recomputed).
    private let pending = Mutex<[String: Fingerprint]>([:])

    /// Opens the detector's tables in ingest's state file.
    public init(path: String) throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("duplicates v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS seen_story (
                        id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, cluster_id TEXT NOT NULL, simhash INTEGER NOT NULL,
                        band0 INTEGER NOT NULL, band1 INTEGER NOT NULL, band2 INTEGER NOT NULL, band3 INTEGER NOT NULL,
                        band4 INTEGER NOT NULL, band5 INTEGER NOT NULL, seen_at REAL NOT NULL
                    );
                    CREATE INDEX IF NOT EXISTS seen_content ON seen_story(content_hash);
                    CREATE INDEX IF NOT EXISTS seen_band0 ON seen_story(band0);
                    CREATE INDEX IF NOT EXISTS seen_band1 ON seen_story(band1);
                    CREATE INDEX IF NOT EXISTS seen_band2 ON seen_story(band2);
                    CREATE INDEX IF NOT EXISTS seen_band3 ON seen_story(band3);
                    CREATE INDEX IF NOT EXISTS seen_band4 ON seen_story(band4);
                    CREATE INDEX IF NOT EXISTS seen_band5 ON seen_story(band5);
                    """)
        }
        migrator.registerMigration("duplicates v2: bounded band look-ups") { db in
            // Each band is looked up newest first and at most ``candidatesPerBand`` deep: templated stories
            // that share a band by the thousand made every look-up read them all (quadratic intake).
            for band in 0..<6 {
                try db.execute(sql: "DROP INDEX IF EXISTS seen_band\(band)")
                try db.execute(sql: "CREATE INDEX seen_band\(band)_recent ON seen_story(band\(band), seen_at)")
            }
        }
        pool = try SQLiteSettings.openPool(path: path, migrator: migrator)
    }

    /// The most stories of one band a look-up compares with, the most recent first. Copies of a story
    /// arrive close together; a copy matches any member of its cluster, and each carries the cluster's id.
    static let candidatesPerBand = 64

    /// Classifies a batch, in order: duplicates within the batch count too.
    public func classify(_ stories: [Story]) async throws -> [Verdict] {
        try await pool.read { db in
            var batchIDs: [String: String] = [:]  // id or content hash → first id in this batch
            var batchHashes: [(hash: UInt64, cluster: String)] = []
            var verdicts: [Verdict] = []
            for var story in stories {
                let fingerprint = Fingerprint(story)
                let content = fingerprint.contentHash
                if let first = batchIDs[story.id] ?? batchIDs[content] {
                    verdicts.append(.duplicate(of: first))
                    continue
                }
                if let first = try String.fetchOne(
                    db, sql: "SELECT id FROM seen_story WHERE id = ? OR content_hash = ? LIMIT 1", arguments: [story.id, content])
                {
                    verdicts.append(.duplicate(of: first))
                    continue
                }
                let hash = fingerprint.simHash
                var cluster = batchHashes.first { SimHash.distance($0.hash, hash) <= Self.maxDistance }?.cluster
                if cluster == nil {
                    let bands = SimHash.bands(hash)
                    // The oldest match among each band's most recent candidates.
                    var best: (seenAt: Double, cluster: String)?
                    for (index, band) in bands.enumerated() {
                        let rows = try Row.fetchAll(
                            db,
                            sql: "SELECT simhash, cluster_id, seen_at FROM seen_story WHERE band\(index) = ? ORDER BY seen_at DESC LIMIT ?",
                            arguments: [band, Self.candidatesPerBand])
                        for row in rows where SimHash.distance(UInt64(bitPattern: row["simhash"] as Int64), hash) <= Self.maxDistance {
                            let seenAt: Double = row["seen_at"]
                            if best == nil || seenAt < best!.seenAt { best = (seenAt, row["cluster_id"]) }
                        }
                    }
                    cluster = best?.cluster
                }
                story.clusterID = cluster ?? story.id
                pending.withLock { cache in
                    if cache.count >= 10_000 { cache.removeAll() }
                    cache[story.id] = fingerprint
                }
                batchIDs[story.id] = story.id
                batchIDs[content] = story.id
                batchHashes.append((hash, story.clusterID!))
                verdicts.append(.fresh(story))
            }
            return verdicts
        }
    }

    /// Remembers stories that were journaled. Call after the journal commit: a crash in between only
    /// lets a resubmitted copy through again, which later stages absorb.
    public func record(_ stories: [Story]) async throws {
        guard !stories.isEmpty else { return }
        try await pool.write { db in
            for story in stories {
                let fingerprint = self.pending.withLock { $0.removeValue(forKey: story.id) } ?? Fingerprint(story)
                let hash = fingerprint.simHash
                let bands = SimHash.bands(hash)
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO seen_story
                            (id, content_hash, cluster_id, simhash, band0, band1, band2, band3, band4, band5, seen_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: StatementArguments(
                        [story.id, fingerprint.contentHash, story.clusterID ?? story.id, Int64(bitPattern: hash)] as [any DatabaseValueConvertible]
                            + bands.map { $0 as any DatabaseValueConvertible } + [Date().timeIntervalSince1970]))
            }
        }
    }
}

/// What the detector compares of a story, from one pass of the tokenizer over its headline and body.
struct Fingerprint: Sendable {
    /// The folded words hashed: equal for copies that differ only in case, punctuation or white space.
    let contentHash: String
    /// The SimHash of its word pairs.
    let simHash: UInt64

    init(_ story: Story) {
        let words = TextTokenizer.words(in: story.headline + "\n" + story.body)
        // FNV-1a of the words joined by spaces, without building the joined string.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (index, word) in words.enumerated() {
            if index > 0 { hash = (hash ^ 0x20) &* 0x100_0000_01b3 }
            for byte in word.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        contentHash = String(hash, radix: 16)
        simHash = SimHash.of(words: words)
    }
}

/// 64-bit SimHash over word 2-shingles, with FNV-1a as the (stable, unseeded) shingle hash.
enum SimHash {
    static func of(_ text: String) -> UInt64 { of(words: TextTokenizer.words(in: text)) }

    /// The SimHash of `words`' 2-shingles, each hashed as the two words joined by a space.
    static func of(words: [String]) -> UInt64 {
        var weights = [Int](repeating: 0, count: 64)
        func add(_ hash: UInt64) {
            for bit in 0..<64 { weights[bit] += (hash >> UInt64(bit)) & 1 == 1 ? 1 : -1 }
        }
        if words.count < 2 {
            add(fnv1a(words.joined(separator: " ")))
        } else {
            for index in 0..<(words.count - 1) { add(fnv1a(words[index], words[index + 1])) }
        }
        var result: UInt64 = 0
        for bit in 0..<64 where weights[bit] > 0 { result |= 1 << UInt64(bit) }
        return result
    }

    static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }

    /// Six bands: five of 11 bits and one of 9. Two hashes within 5 bits of each other agree on one.
    static func bands(_ hash: UInt64) -> [Int64] {
        (0..<6).map { band in
            let width: UInt64 = band == 5 ? 9 : 11
            return Int64((hash >> UInt64(band * 11)) & ((1 << width) - 1))
        }
    }

    /// FNV-1a of `first`, a space and `second`, without building the joined string.
    static func fnv1a(_ first: String, _ second: String) -> UInt64 {
        FNV1a.hash(second, seed: FNV1a.adding(0x20, to: FNV1a.hash(first)))
    }

    static func fnv1a(_ text: String) -> UInt64 { FNV1a.hash(text) }
}
