import Foundation
import IndexStage
import NewsModel
import TagStage

/// `index`'s storage and search, in process: the indexing rate of `StoryIndex` (stories tagged first,
/// then upserted in batches of 1,000, as the stage does) and the latency of searches (BM25, total count,
/// snippet), over the corpus repeated with new ids up to the asked size. Writes the same documents and
/// queries as JSON Lines for the peers (SQLite FTS5 from Python, tantivy).
enum SearchBenchmark {
    struct Result {
        var stories: Int
        var indexingPerSecond: Double
        var queries: Int
        var p50: Double
        var p99: Double
        var meanHits: Double
    }

    static func run(corpus: BenchCorpus, tagger: Tagger, stories count: Int, directory: String) async throws -> Result {
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let base = corpus.items.enumerated().map { tagger.tag(Story(id: "r\($0.offset)", headline: $0.element.headline, body: $0.element.body)) }
        let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01: one story a minute from there
        var documents: [TaggedStory] = []
        documents.reserveCapacity(count)
        for index in 0..<count {
            var tagged = base[index % base.count]
            tagged.story.id = "s\(index / base.count)-\(index % base.count)"
            tagged.story.publishedAt = start.addingTimeInterval(Double(index) * 60)
            tagged.story.receivedAt = tagged.story.publishedAt!
            documents.append(tagged)
        }
        try writeDocuments(documents, to: directory + "/documents.jsonl")
        let queries = self.queries(base: base, count: 200)
        try writeQueries(queries, to: directory + "/queries.jsonl")

        let index = try StoryIndex(path: directory + "/index.sqlite")
        let clock = ContinuousClock()
        let indexing = try await clock.measure {
            var position = 0
            while position < documents.count {
                let end = min(documents.count, position + 1000)
                try await index.upsert(Array(documents[position..<end]))
                position = end
            }
        }
        // One warm-up pass, then every query once, timed.
        for query in queries { _ = try await index.search(SearchRequest(query: query.ours)) }
        var latencies: [Double] = []
        var hits = 0
        for query in queries {
            let started = clock.now
            let result = try await index.search(SearchRequest(query: query.ours))
            latencies.append(milliseconds(clock.now - started))
            hits += result.total
        }
        latencies.sort()
        return Result(
            stories: documents.count, indexingPerSecond: Double(documents.count) / seconds(indexing), queries: queries.count,
            p50: latencies[latencies.count / 2], p99: latencies[min(latencies.count - 1, latencies.count * 99 / 100)],
            meanHits: Double(hits) / Double(queries.count))
    }

    /// One query in our language and in the peers' syntaxes, with the same meaning.
    struct BenchQuery: Encodable {
        var ours: String
        var fts5: String
        var tantivy: String
    }

    /// Queries people type: a word, two words, a phrase, a word within a place; words from the corpus
    /// that are neither very common nor very rare.
    static func queries(base: [TaggedStory], count: Int) -> [BenchQuery] {
        var random = SplitMix64(seed: 42)
        var frequency: [String: Int] = [:]
        var bodies: [[String]] = []
        for tagged in base {
            let words = TextTokenizer.words(in: tagged.story.body)
            bodies.append(words)
            for word in Set(words) { frequency[word, default: 0] += 1 }
        }
        // Plain ASCII words, which every peer's tokenizer splits the same way.
        func plain(_ word: String) -> Bool { word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
        let words = frequency.filter { $0.key.count >= 4 && plain($0.key) && !$0.key.allSatisfy(\.isNumber) && (20...2000).contains($0.value) }
            .keys.sorted()
        let places = Array(Set(base.flatMap { $0.entities.filter { $0.type == .place }.map(\.name) })).sorted()
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        return (0..<count).map { _ in
            switch random.next() % 20 {
            case 0..<8:
                let word = pick(words)
                return BenchQuery(ours: word, fts5: "\"\(word)\"", tantivy: word)
            case 8..<14:
                let (first, second) = (pick(words), pick(words))
                return BenchQuery(ours: "\(first) \(second)", fts5: "\"\(first)\" AND \"\(second)\"", tantivy: "+\(first) +\(second)")
            case 14..<17:
                var phrase = ""
                while phrase.isEmpty {
                    let body = pick(bodies)
                    guard body.count >= 3 else { continue }
                    let start = Int(random.next() % UInt64(body.count - 1))
                    if plain(body[start]) && plain(body[start + 1]) && body[start].count >= 3 { phrase = "\(body[start]) \(body[start + 1])" }
                }
                return BenchQuery(ours: "\"\(phrase)\"", fts5: "\"\(phrase)\"", tantivy: "\"\(phrase)\"")
            default:
                let (word, place) = (pick(words), pick(places))
                let key = TagKey.make(field: "place", value: place)
                return BenchQuery(
                    ours: "\(word) place:\"\(place)\"", fts5: "\"\(word)\" AND tags : \"\(key)\"", tantivy: "+\(word) +tags:\(key)")
            }
        }
    }

    private static func writeDocuments(_ documents: [TaggedStory], to path: String) throws {
        var text = ""
        for tagged in documents {
            let object: [String: Any] = [
                "id": tagged.story.id, "headline": tagged.story.headline, "body": tagged.story.body,
                "tags": tagged.tagKeys.sorted().joined(separator: " "),
            ]
            text += String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self) + "\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    private static func writeQueries(_ queries: [BenchQuery], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = try queries.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private static func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1000 }
}
