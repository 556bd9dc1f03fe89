import Foundation
import GRDB
import NewsModel
import NewsTransport

/// The durable full-text index of tagged stories: SQLite with FTS5, in `<data-dir>/index.sqlite`.
///
/// A story is stored once per id: indexing it again replaces it. GRDB runs every call on its own
/// dispatch queues, so none of it blocks Swift's cooperative pool.
public final class StoryIndex: Sendable {
    private let pool: DatabasePool

    /// Opens (creating if needed) the index at `path` and brings its schema up to date.
    public init(path: String) throws {
        pool = try SQLiteSettings.openPool(path: path, migrator: Self.migrator)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE story (
                        rowid INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        headline TEXT NOT NULL,
                        body TEXT NOT NULL,
                        url TEXT,
                        source TEXT,
                        language TEXT,
                        published_at TEXT,
                        received_at TEXT NOT NULL,
                        indexed_at TEXT NOT NULL,
                        tagged_json TEXT NOT NULL
                    );
                    CREATE INDEX story_date ON story(coalesce(published_at, received_at));
                    CREATE VIRTUAL TABLE story_fts USING fts5(headline, body, tags, tokenize = "unicode61 tokenchars '_'");
                    """)
        }
        migrator.registerMigration("v2: hit summaries") { db in
            // What a search hit shows, kept apart from the full tagged story so that a page of hits
            // decodes a few hundred bytes per story instead of every mention.
            try db.execute(sql: "ALTER TABLE story ADD COLUMN hit_json TEXT")
        }
        migrator.registerMigration("v3: folded text") { db in
            // FTS5 folds accents for Latin letters only and splits words at marks; notify's matcher folds
            // every script. The FTS table now holds the matcher's own folded tokens, which FTS5 keeps whole.
            let tags = try Row.fetchAll(db, sql: "SELECT rowid, tags FROM story_fts").map { ($0["rowid"] as Int64, $0["tags"] as String) }
            try db.execute(sql: "DROP TABLE story_fts")
            try db.execute(sql: "CREATE VIRTUAL TABLE story_fts USING fts5(headline, body, tags, tokenize = \"\(ftsTokenizer)\")")
            let tagsByRow = Dictionary(tags, uniquingKeysWith: { first, _ in first })
            for row in try Row.fetchAll(db, sql: "SELECT rowid, headline, body FROM story") {
                let rowid: Int64 = row["rowid"]
                try db.execute(
                    sql: "INSERT INTO story_fts (rowid, headline, body, tags) VALUES (?, ?, ?, ?)",
                    arguments: [rowid, folded(row["headline"]), folded(row["body"]), tagsByRow[rowid] ?? ""])
            }
        }
        migrator.registerMigration("v4: contentless full-text index") { db in
            // The FTS table kept its own copy of every story's folded headline, body and tags. Search
            // uses only MATCH, bm25 and the rowid (snippets are cut from `story`), so the table now keeps
            // the index alone (`content = ''`): one copy of the text, in `story`.
            try db.execute(sql: "DROP TABLE story_fts")
            try db.execute(sql: "CREATE VIRTUAL TABLE story_fts USING fts5(headline, body, tags, content = '', tokenize = \"\(ftsTokenizer)\")")
            let decoder = JSONCoding.decoder()
            for row in try Row.fetchAll(db, sql: "SELECT rowid, headline, body, tagged_json FROM story") {
                let tagged = try decoder.decode(TaggedStory.self, from: Data((row["tagged_json"] as String).utf8))
                try db.execute(
                    sql: "INSERT INTO story_fts (rowid, headline, body, tags) VALUES (?, ?, ?, ?)",
                    arguments: [row["rowid"] as Int64, folded(row["headline"]), folded(row["body"]), indexedTags(tagged)])
            }
        }
        return migrator
    }

    /// The FTS5 tokenizer over folded tokens: no folding of its own, and no splitting inside a token
    /// (the categories ``TextTokenizer/isTokenScalar(_:)`` keeps).
    static let ftsTokenizer = "unicode61 remove_diacritics 0 categories 'L* N* Co Mn Mc' tokenchars '_'"

    /// A story's filter keys as the index stores them for matching.
    static func indexedTags(_ tagged: TaggedStory) -> String {
        // The carried keys are sorted already; only a message from an older tag needs them made.
        (tagged.keys ?? tagged.computedTagKeys.sorted()).joined(separator: " ")
    }

    /// Text as the index stores it for matching: its folded tokens, separated by spaces.
    static func folded(_ text: String) -> String {
        TextTokenizer.words(in: text).joined(separator: " ")
    }

    /// What a search hit of `tagged` shows, before its snippet and score.
    static func hit(_ tagged: TaggedStory) -> SearchHit {
        SearchHit(
            id: tagged.story.id, headline: tagged.story.headline, source: tagged.story.source, url: tagged.story.url,
            publishedAt: tagged.story.publishedAt,
            entities: Dictionary(grouping: tagged.entities, by: { $0.type.rawValue }).mapValues { $0.map(\.name) },
            topics: tagged.topics.map(\.label), snippet: "", score: 0)
    }

    /// Stores a tagged story, replacing an earlier version with the same id.
    public func upsert(_ tagged: TaggedStory) async throws {
        try await upsert([tagged])
    }

    /// Stores tagged stories in one transaction, each replacing an earlier version with the same id.
    public func upsert(_ stories: [TaggedStory]) async throws {
        guard !stories.isEmpty else { return }
        let encoder = JSONCoding.encoder()
        let rows = try stories.map { tagged in
            (
                tagged, String(decoding: try encoder.encode(tagged), as: UTF8.self), Self.indexedTags(tagged),
                String(decoding: try encoder.encode(Self.hit(tagged)), as: UTF8.self)
            )
        }
        let now = RFC3339.format(Date())
        let decoder = JSONCoding.decoder()
        try await pool.write { db in
            for (tagged, json, tags, hit) in rows {
                let story = tagged.story
                // The full-text index keeps no copy of the text, so replacing a story's entry means
                // telling it the old tokens, made again from the stored story (folding is deterministic).
                if let old = try Row.fetchOne(db, sql: "SELECT rowid, headline, body, tagged_json FROM story WHERE id = ?", arguments: [story.id]) {
                    let previous = try decoder.decode(TaggedStory.self, from: Data((old["tagged_json"] as String).utf8))
                    try db.execute(
                        sql: "INSERT INTO story_fts (story_fts, rowid, headline, body, tags) VALUES ('delete', ?, ?, ?, ?)",
                        arguments: [old["rowid"] as Int64, Self.folded(old["headline"]), Self.folded(old["body"]), Self.indexedTags(previous)])
                }
                let rowid = try Int64.fetchOne(
                    db,
                    sql: """
                        INSERT INTO story (id, headline, body, url, source, language, published_at, received_at, indexed_at, tagged_json, hit_json)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(id) DO UPDATE SET
                            headline = excluded.headline, body = excluded.body, url = excluded.url,
                            source = excluded.source, language = excluded.language, published_at = excluded.published_at,
                            received_at = excluded.received_at, indexed_at = excluded.indexed_at,
                            tagged_json = excluded.tagged_json, hit_json = excluded.hit_json
                        RETURNING rowid
                        """,
                    arguments: [
                        story.id, story.headline, story.body, story.url, story.source, story.language,
                        story.publishedAt.map(RFC3339.format), RFC3339.format(story.receivedAt), now, json, hit,
                    ])
                guard let rowid else { throw DatabaseError(message: "upsert of story \(story.id) returned no row") }
                try db.execute(
                    sql: "INSERT INTO story_fts (rowid, headline, body, tags) VALUES (?, ?, ?, ?)",
                    arguments: [rowid, Self.folded(story.headline), Self.folded(story.body), tags])
            }
        }
    }

    /// How many stories the index holds.
    public func count() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM story") ?? 0 }
    }

    /// Stored stories, oldest first (by row), from the cursor on.
    public func stories(_ request: StoriesRequest) async throws -> StoriesPage {
        try ControlFailure.checkLimit(request.limit)
        return try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT rowid, tagged_json FROM story WHERE rowid > ? AND (? IS NULL OR received_at >= ?)
                    ORDER BY rowid LIMIT ?
                    """,
                arguments: [request.after ?? 0, request.since.map(RFC3339.format), request.since.map(RFC3339.format), request.limit])
            let decoder = JSONCoding.decoder()
            let stories = try rows.map { row -> Story in
                try decoder.decode(TaggedStory.self, from: Data((row["tagged_json"] as String).utf8)).story
            }
            return StoriesPage(stories: stories, next: rows.count == request.limit ? rows.last?["rowid"] : nil)
        }
    }

    /// Stored stories that match a query and are dated at or after `since`, oldest first: what a new
    /// subscription's backfill alerts on.
    /// - Throws: ``ControlFailure`` `badQuery` for a query that does not parse.
    public func backfill(_ request: BackfillRequest) async throws -> [TaggedStory] {
        let query: Query
        do {
            query = try Query(request.query)
        } catch {
            throw ControlFailure(code: .badQuery, message: "bad query \"\(request.query)\": \(error)")
        }
        try ControlFailure.checkLimit(request.limit)
        let filter = FTSQueryCompiler.condition(query.root)
        let date = FTSQueryCompiler.storyDate
        var arguments: [(any DatabaseValueConvertible)?] = filter.arguments.map { $0 as (any DatabaseValueConvertible)? }
        arguments += [RFC3339.format(request.since), request.limit]
        let statementArguments = StatementArguments(arguments)
        let rows = try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT s.tagged_json FROM story s WHERE (\(filter.sql)) AND \(date) >= ? ORDER BY \(date), s.rowid LIMIT ?",
                arguments: statementArguments)
        }
        let decoder = JSONCoding.decoder()
        return try rows.map { try decoder.decode(TaggedStory.self, from: Data($0.utf8)) }
    }

    /// Runs a search.
    /// - Throws: ``ControlFailure`` with code `badQuery` for a query that does not parse.
    public func search(_ request: SearchRequest) async throws -> SearchResult {
        let query: Query
        do {
            query = try Query(request.query)
        } catch {
            throw ControlFailure(code: .badQuery, message: "bad query \"\(request.query)\": \(error)")
        }
        guard (1...1000).contains(request.limit), request.offset >= 0 else {
            throw ControlFailure(code: .badRequest, message: "limit must be 1 to 1000 and offset 0 or more")
        }
        if let volumes = request.volumes, let problem = VolumeRequest.problem(with: volumes) {
            throw ControlFailure(code: .badRequest, message: problem)
        }
        let date = FTSQueryCompiler.storyDate
        let page: (sql: String, arguments: StatementArguments)
        let count: (sql: String, arguments: StatementArguments)
        let rank: String?
        /// The matching stories as `FROM … WHERE …`, with `s` the story table, for the volumes.
        let matching: (sql: String, arguments: StatementArguments)
        if let match = FTSQueryCompiler.matchExpression(query.root) {
            // One FTS5 scan answers the query, ranks it and counts it.
            rank = match
            // By relevance the FTS5 table alone answers (ties: the later-indexed story first); by date
            // the stories' dates are joined in.
            let sql =
                request.sort == .date
                ? """
                SELECT s.rowid AS rid, -bm25(story_fts, 3.0, 1.0, 0.0) AS score FROM story_fts JOIN story s ON s.rowid = story_fts.rowid
                WHERE story_fts MATCH ? ORDER BY \(date) DESC, s.rowid DESC LIMIT ? OFFSET ?
                """
                : """
                SELECT rowid AS rid, -bm25(story_fts, 3.0, 1.0, 0.0) AS score FROM story_fts
                WHERE story_fts MATCH ? ORDER BY score DESC, rowid DESC LIMIT ? OFFSET ?
                """
            page = (sql, [match, request.limit, request.offset])
            count = ("SELECT count(*) FROM story_fts WHERE story_fts MATCH ?", [match])
            matching = ("FROM story_fts JOIN story s ON s.rowid = story_fts.rowid WHERE story_fts MATCH ?", [match])
        } else {
            // Boolean structure in SQL over one FTS5 match per clause; scores from the positive text clauses.
            let filter = FTSQueryCompiler.condition(query.root)
            rank = FTSQueryCompiler.rankExpression(query.root)
            let order = request.sort == .date ? "\(date) DESC, s.rowid DESC" : "score DESC, \(date) DESC, s.rowid DESC"
            let rankJoin =
                rank == nil
                ? ""
                : "LEFT JOIN (SELECT rowid, -bm25(story_fts, 3.0, 1.0, 0.0) AS rank_score FROM story_fts WHERE story_fts MATCH ?) r ON r.rowid = s.rowid"
            let score = rank == nil ? "0.0" : "coalesce(r.rank_score, 0.0)"
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let rank { arguments.append(rank) }
            arguments += filter.arguments.map { $0 as (any DatabaseValueConvertible)? }
            arguments += [request.limit, request.offset]
            page = (
                "SELECT s.rowid AS rid, \(score) AS score FROM story s \(rankJoin) WHERE \(filter.sql) ORDER BY \(order) LIMIT ? OFFSET ?",
                StatementArguments(arguments)
            )
            count = ("SELECT count(*) FROM story s WHERE \(filter.sql)", StatementArguments(filter.arguments))
            matching = ("FROM story s WHERE \(filter.sql)", StatementArguments(filter.arguments))
        }
        typealias PageRow = (rowid: Int64, hit: String?, json: String?, lead: String, score: Double)
        let (total, rows, volumes) = try await pool.read { db -> (Int, [PageRow], [[Int]]?) in
            let total = try Int.fetchOne(db, sql: count.sql, arguments: count.arguments) ?? 0
            let volumes = try request.volumes.map { requested in
                try requested.map { try Self.volume($0, of: matching, in: db) }
            }
            let ranked = try Row.fetchAll(db, sql: page.sql, arguments: page.arguments).map { (rowid: $0["rid"] as Int64, score: $0["score"] as Double) }
            guard !ranked.isEmpty else { return (total, [], volumes) }
            let rowids = StatementArguments(ranked.map(\.rowid))
            let marks = databaseQuestionMarks(count: ranked.count)
            var stored: [Int64: (hit: String?, json: String?, lead: String)] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT rowid, hit_json, CASE WHEN hit_json IS NULL THEN tagged_json END AS json, substr(body, 1, \(Snippet.scannedCharacters)) AS lead
                    FROM story WHERE rowid IN (\(marks))
                    """,
                arguments: rowids)
            {
                stored[row["rowid"]] = (row["hit_json"], row["json"], row["lead"])
            }
            let rows: [PageRow] = ranked.compactMap { entry in
                stored[entry.rowid].map { (rowid: entry.rowid, hit: $0.hit, json: $0.json, lead: $0.lead, score: entry.score) }
            }
            return (total, rows, volumes)
        }
        // Snippets only for the page's hits, from the stored text (the FTS table holds folded tokens).
        let highlighted = rank == nil ? [] : FTSQueryCompiler.positiveTextClauses(query.root).filter { $0.1 == .anywhere }.map(\.0)
        let decoder = JSONCoding.decoder()
        let hits = try rows.map { row in
            // Rows stored before hit summaries existed are summarised from the full story.
            var hit = try row.hit.map { try decoder.decode(SearchHit.self, from: Data($0.utf8)) }
                ?? Self.hit(try decoder.decode(TaggedStory.self, from: Data((row.json ?? "").utf8)))
            hit.score = row.score
            hit.snippet = Snippet.make(row.lead, highlighting: highlighted) ?? Self.lead(of: row.lead)
            return hit
        }
        return SearchResult(query: query.description, total: total, hits: hits, volumes: volumes)
    }

    /// The matching stories counted in each of `volume`'s stretches, by one grouped scan of the date
    /// index's range. A date's whole seconds place it (`strftime('%s')` truncates the milliseconds),
    /// so a story at a stretch's first millisecond is in that stretch, as with `published:[a TO b]`.
    static func volume(
        _ volume: VolumeRequest, of matching: (sql: String, arguments: StatementArguments), in db: Database
    ) throws -> [Int] {
        let date = FTSQueryCompiler.storyDate
        let start = Int64((volume.start.timeIntervalSince1970).rounded(.down))
        let sql = """
            SELECT (CAST(strftime('%s', \(date)) AS INTEGER) - ?) / ? AS bucket, count(*) AS stories \(matching.sql)
            AND \(date) >= ? AND \(date) < ? GROUP BY bucket
            """
        let range: StatementArguments = [
            RFC3339.format(Date(timeIntervalSince1970: TimeInterval(start))),
            RFC3339.format(Date(timeIntervalSince1970: TimeInterval(start + Int64(volume.seconds) * Int64(volume.buckets)))),
        ]
        let arguments: StatementArguments = [start, Int64(volume.seconds)] + matching.arguments + range
        var counts = [Int](repeating: 0, count: volume.buckets)
        for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
            let bucket: Int = row["bucket"]
            if counts.indices.contains(bucket) { counts[bucket] += row["stories"] as Int }
        }
        return counts
    }

    /// The first words of a body, for hits without a matched passage.
    static func lead(of body: String, words: Int = 24) -> String {
        let parts = body.split(whereSeparator: { $0.isWhitespace })
        return parts.prefix(words).joined(separator: " ") + (parts.count > words ? " …" : "")
    }
}
