import Foundation
import NewsModel
import TagStage

/// `notify`'s matching on one core: stories per second against 1,000, 10,000 and 100,000 generated
/// subscriptions, the percolator (``Percolator``) beside evaluating every subscription, with the match
/// sets checked equal on every story both saw. The percolator's figure is the best of three passes
/// over 5,000 stories (each story's document built in the pass).
enum PercolationBenchmark {
    struct Result {
        var subscriptions: Int
        var percolatorPerSecond: Double
        var naivePerSecond: Double
        var candidatesPerStory: Double
        var matchesPerStory: Double
        var checkedStories: Int
    }

    /// Generated subscriptions in the shapes people write, from the corpus's own words and tags, all
    /// distinct.
    static func subscriptions(count: Int, documents: [MatchDocument], tagged: [TaggedStory], seed: UInt64) -> [String] {
        var random = SplitMix64(seed: seed)
        // Words people subscribe to are specific: distinct words of four letters or more that appear in
        // between 3 and 100 of the stories (0.06 % to 2 %), drawn evenly, not by how often they occur.
        var documentFrequency: [String: Int] = [:]
        for document in documents { for word in Set(document.headline + document.body) { documentFrequency[word, default: 0] += 1 } }
        let candidates = documentFrequency.filter { $0.key.count >= 4 && !$0.key.allSatisfy(\.isNumber) }
        let specific = candidates.filter { (3...100).contains($0.value) }.keys.sorted()
        // Generated stories (no Reuters here) repeat a few words in every story: then any word will do.
        let words = specific.isEmpty ? candidates.keys.sorted() : specific
        precondition(!words.isEmpty, "the percolation benchmark's stories have no words of four letters or more")
        let places = Array(Set(tagged.flatMap { $0.entities.filter { $0.type == .place }.map(\.name) })).sorted()
        let organizations = Array(Set(tagged.flatMap { $0.entities.filter { $0.type == .organization }.map(\.name) })).sorted()
        let topics = Array(Set(tagged.flatMap { $0.topics.map(\.name) })).sorted()
        func word() -> String { words[Int(random.next() % UInt64(words.count))] }
        func pick(_ names: [String]) -> String {
            names.isEmpty ? word() : "\"" + names[Int(random.next() % UInt64(names.count))] + "\""
        }
        func phrase() -> String {
            let body = documents[Int(random.next() % UInt64(documents.count))].body
            guard body.count > 2 else { return word() }
            let start = Int(random.next() % UInt64(body.count - 1))
            return "\"\(body[start]) \(body[start + 1])\""
        }
        // The store keeps one subscription per distinct query (its canonical form), so these are distinct too.
        func generate() -> String {
            switch random.next() % 20 {
            case 0..<6: return word()
            case 6..<10: return "\(word()) \(word())"
            case 10..<12: return "place:" + pick(places)
            case 12: return "topic:" + pick(topics)
            case 13..<15: return "place:\(pick(places)) \(word())"
            case 15: return "org:\(pick(organizations)) OR \(word())"
            case 16..<18: return "\(word()) OR \(word())"
            case 18: return phrase()
            default: return "\(word()) -\(word())"
            }
        }
        var seen = Set<String>()
        var texts: [String] = []
        while texts.count < count {
            let text = generate()
            if let canonical = try? Query(text).description, seen.insert(canonical).inserted { texts.append(text) }
        }
        return texts
    }

    static func run(corpus: BenchCorpus, tagger: Tagger, counts: [Int]) throws -> [Result] {
        let stories = corpus.items.prefix(5000).enumerated().map { Story(id: "p\($0.offset)", headline: $0.element.headline, body: $0.element.body) }
        let tagged = stories.map { tagger.tag($0) }
        let documents = tagged.map { MatchDocument($0) }
        let now = Date()
        var results: [Result] = []
        for count in counts {
            let texts = subscriptions(count: count, documents: documents, tagged: tagged, seed: UInt64(count))
            let queries = try texts.map { try Query($0).root }
            let percolator = Percolator(queries: queries)
            // The percolator over every story; evaluating every query over as many as take about 3 s.
            // The best of three passes, as the tagging measurement does (this machine's timing is noisy).
            var percolated: [[Int]] = []
            var candidates = 0
            var percolatorSeconds = Double.infinity
            for _ in 0..<3 {
                percolated = []
                let start = DispatchTime.now()
                for story in tagged {
                    let document = MatchDocument(story)
                    percolated.append(percolator.matches(document, now: now))
                }
                percolatorSeconds = min(percolatorSeconds, seconds(since: start))
            }
            for document in documents.prefix(500) { candidates += percolator.candidates(document).count }
            var naiveStories = 0
            let naiveStart = DispatchTime.now()
            while naiveStories < tagged.count && (naiveStories < 20 || seconds(since: naiveStart) < 3) {
                let document = MatchDocument(tagged[naiveStories])
                let naive = queries.indices.filter { QueryMatcher.matches(queries[$0], document, now: now) }
                guard naive == percolated[naiveStories] else {
                    throw BenchError("percolation differs from evaluating every query on story \(naiveStories) with \(count) subscriptions")
                }
                naiveStories += 1
            }
            let naiveSeconds = seconds(since: naiveStart)
            results.append(
                Result(
                    subscriptions: count, percolatorPerSecond: Double(tagged.count) / percolatorSeconds,
                    naivePerSecond: Double(naiveStories) / naiveSeconds,
                    candidatesPerStory: Double(candidates) / Double(min(500, documents.count)),
                    matchesPerStory: Double(percolated.reduce(0) { $0 + $1.count }) / Double(tagged.count), checkedStories: naiveStories))
        }
        return results
    }

    private static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
