import Foundation
import GRDB
import NewsModel
import NewsTransport
import Synchronization

/// Finds duplicate stories. An exact duplicate (a story id, or a headline and body, seen before) is
/// dropped; a near duplicate (the same story re-sent with small edits, or carried by several outlets)
/// is kept and joins the cluster of the first copy, so later stages can treat the copies as one story.
///
/// Near duplicates are found with a ``MinHash`` signature over word pairs: candidates come from
/// twenty-four indexed band look-ups (one statement), and a candidate is a near duplicate when the
/// signatures estimate enough shared word pairs (``MinHash/isNearDuplicate(of:)``). A copy takes the cluster of
/// the oldest stored story it matches, and every member carries its cluster's id, so a copy of a copy
/// is in the first cluster too. The state is kept in `<data-dir>/duplicates-<instance>.sqlite` and
/// survives restarts.
public final class DuplicateDetector: Sendable {
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
                    """)
        }
        migrator.registerMigration("duplicates v2: bounded band look-ups") { _ in
            // SimHash band indexes; v3 replaces the scheme.
        }
        migrator.registerMigration("duplicates v3: MinHash") { db in
            // SimHash missed copies with a tenth of their words edited. Stories seen before keep their
            // ids, content hashes and clusters (exact duplicates are still found); their SimHash cannot be
            // turned into a signature without the text, so they no longer gather near duplicates.
            try db.execute(
                sql: """
                    CREATE TABLE story_seen (
                        rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, content_hash TEXT NOT NULL,
                        cluster_id TEXT NOT NULL, signature BLOB, shingles INTEGER NOT NULL DEFAULT 0, seen_at REAL NOT NULL
                    );
                    INSERT INTO story_seen (id, content_hash, cluster_id, seen_at)
                        SELECT id, content_hash, cluster_id, seen_at FROM seen_story ORDER BY seen_at;
                    DROP TABLE seen_story;
                    CREATE INDEX story_seen_content ON story_seen(content_hash);
                    CREATE TABLE near_band (key INTEGER NOT NULL, story INTEGER NOT NULL);
                    CREATE INDEX near_band_key ON near_band(key, story);
                    """)
        }
        pool = try SQLiteSettings.openPool(path: path, migrator: migrator)
    }

    /// The most stories of one band key a look-up compares with, the most recent first. Copies of a
    /// story arrive close together; a copy matches any member of its cluster, and each carries the
    /// cluster's id. Templated stories that share a key by the thousand cost no more than this.
    static let candidatesPerBand = 32

    /// One statement for all band look-ups of a story: each key's newest ``candidatesPerBand``.
    private static let candidateSQL: String = {
        let perBand = (0..<MinHash.bandCount).map { _ in
            "SELECT story FROM (SELECT story FROM near_band WHERE key = ? ORDER BY story DESC LIMIT \(candidatesPerBand))"
        }
        return "SELECT rowid, cluster_id, signature, shingles FROM story_seen WHERE rowid IN (" + perBand.joined(separator: " UNION ") + ") ORDER BY rowid"
    }()

    /// Classifies a batch, in order: duplicates within the batch count too.
    public func classify(_ stories: [Story]) async throws -> [Verdict] {
        try await pool.read { db in
            var batchIDs: [String: String] = [:]  // id or content hash → first id in this batch
            var batchSignatures: [(signature: MinHash, cluster: String)] = []
            var batchBands: [Int64: [Int]] = [:]  // band key → positions in batchSignatures
            var verdicts: [Verdict] = []
            let candidates = try db.cachedStatement(sql: Self.candidateSQL)
            for var story in stories {
                let fingerprint = Fingerprint(story)
                let content = fingerprint.contentHash
                if let first = batchIDs[story.id] ?? batchIDs[content] {
                    verdicts.append(.duplicate(of: first))
                    continue
                }
                if let first = try String.fetchOne(
                    db, sql: "SELECT id FROM story_seen WHERE id = ? OR content_hash = ? LIMIT 1", arguments: [story.id, content])
                {
                    verdicts.append(.duplicate(of: first))
                    continue
                }
                let signature = fingerprint.signature
                // The oldest stored match, else the first match earlier in this batch.
                var cluster: String?
                // Oldest first, read one at a time: a templated story's first candidate is usually its
                // match, and the rest (up to 24 × 32 rows of 256-byte signatures) are never read.
                let rows = try Row.fetchCursor(candidates, arguments: StatementArguments(signature.bandKeys))
                while let row = try rows.next() {
                    guard let stored = row["signature"] as Data? else { continue }
                    if MinHash(stored: [UInt8](stored), shingleCount: row["shingles"]).isNearDuplicate(of: signature) {
                        cluster = row["cluster_id"]
                        break
                    }
                }
                if cluster == nil {
                    // As in the stored look-up, each band key offers at most its newest
                    // candidatesPerBand positions: a batch of templated stories stays linear.
                    var positions = Set<Int>()
                    for key in signature.bandKeys { positions.formUnion(batchBands[key]?.suffix(Self.candidatesPerBand) ?? []) }
                    cluster = positions.sorted().first { batchSignatures[$0].signature.isNearDuplicate(of: signature) }
                        .map { batchSignatures[$0].cluster }
                }
                story.clusterID = cluster ?? story.id
                pending.withLock { cache in
                    if cache.count >= 10_000 { cache.removeAll() }
                    cache[story.id] = fingerprint
                }
                batchIDs[story.id] = story.id
                batchIDs[content] = story.id
                for key in signature.bandKeys { batchBands[key, default: []].append(batchSignatures.count) }
                batchSignatures.append((signature, story.clusterID!))
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
            let insertStory = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO story_seen (id, content_hash, cluster_id, signature, shingles, seen_at) VALUES (?, ?, ?, ?, ?, ?)")
            let insertBand = try db.cachedStatement(sql: "INSERT INTO near_band (key, story) VALUES (?, ?)")
            let now = Date().timeIntervalSince1970
            for story in stories {
                let fingerprint = self.pending.withLock { $0.removeValue(forKey: story.id) } ?? Fingerprint(story)
                try insertStory.execute(arguments: [
                    story.id, fingerprint.contentHash, story.clusterID ?? story.id, Data(fingerprint.signature.stored),
                    fingerprint.signature.shingleCount, now,
                ])
                guard db.changesCount > 0 else { continue }
                let rowid = db.lastInsertedRowID
                for key in fingerprint.signature.bandKeys { try insertBand.execute(arguments: [key, rowid]) }
            }
        }
    }
}

/// What the detector compares of a story, from one pass of the tokenizer over its headline and body.
struct Fingerprint: Sendable {
    /// The folded words hashed: equal for copies that differ only in case, punctuation or white space.
    let contentHash: String
    /// The MinHash signature of its word pairs.
    let signature: MinHash

    init(_ story: Story) {
        let words = TextTokenizer.words(in: story.headline + "\n" + story.body)
        // FNV-1a of the words joined by spaces, without building the joined string.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (index, word) in words.enumerated() {
            if index > 0 { hash = (hash ^ 0x20) &* 0x100_0000_01b3 }
            for byte in word.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        contentHash = String(hash, radix: 16)
        signature = MinHash(words: words)
    }
}
