import Foundation
import NewsModel
import Testing

@Suite("Percolation")
struct PercolatorTests {
    static let words = ["tariffs", "iran", "court", "storm", "aid", "oil", "trade", "ruling", "sanctions", "snow", "talks", "border"]
    static let tags = ["place_iran", "place_russia", "topic_trade", "person_donald_trump", "org_pentagon", "source_wire"]

    /// A random query of the language's every construct, from a small vocabulary so that matches are common.
    static func query(_ random: inout some RandomNumberGenerator, depth: Int = 0) -> String {
        let leaf = Int.random(in: 0..<10, using: &random)
        if depth < 2 && leaf < 4 {
            let count = Int.random(in: 2...3, using: &random)
            let parts = (0..<count).map { _ in "(" + query(&random, depth: depth + 1) + ")" }
            return parts.joined(separator: [" AND ", " OR ", " "][Int.random(in: 0..<3, using: &random)])
        }
        let word = words.randomElement(using: &random)!
        switch Int.random(in: 0..<11, using: &random) {
        case 0: return "NOT " + word
        case 1: return "\"\(word) \(words.randomElement(using: &random)!)\""
        case 2: return String(word.prefix(Int.random(in: 2...4, using: &random))) + "*"
        case 3: return "headline:" + word
        case 4: return tags.randomElement(using: &random)!.replacingOccurrences(of: "_", with: ":")
        case 5: return "-" + tags.randomElement(using: &random)!.replacingOccurrences(of: "_", with: ":")
        case 6: return ["*", "since:2d", "published:[2026-01-10 TO *]"].randomElement(using: &random)!
        default: return word
        }
    }

    static func document(_ random: inout some RandomNumberGenerator) -> MatchDocument {
        func text(_ count: Int) -> String { (0..<count).map { _ in words.randomElement(using: &random)! }.joined(separator: " ") }
        return MatchDocument(
            headline: text(Int.random(in: 1...4, using: &random)), body: text(Int.random(in: 0...10, using: &random)),
            tagKeys: Set(tags.filter { _ in Int.random(in: 0..<3, using: &random) == 0 }),
            date: RFC3339.parse("2026-01-0\(Int.random(in: 1...9, using: &random))T00:00:00Z"))
    }

    @Test("the percolator's matches are exactly those of evaluating every query, on generated queries and stories")
    func equalsNaive() throws {
        var random = SystemRandomNumberGenerator()
        let queries = try (0..<2000).map { _ in try Query(Self.query(&random)).root }
        let percolator = Percolator(queries: queries)
        let now = RFC3339.parse("2026-01-10T12:00:00Z")!
        var matched = 0
        var candidates = 0
        for _ in 0..<300 {
            let document = Self.document(&random)
            let naive = queries.indices.filter { QueryMatcher.matches(queries[$0], document, now: now) }
            #expect(percolator.matches(document, now: now) == naive)
            matched += naive.count
            candidates += percolator.candidates(document).count
        }
        #expect(matched > 0, "the generated queries match something")
        #expect(candidates < 300 * queries.count, "not every query is a candidate for every story")
    }

    @Test("anchors: AND keeps one side, OR needs both, NOT and * have none")
    func anchors() throws {
        let percolator = Percolator(queries: try ["tariffs AND iran", "tariffs OR place:Iran", "NOT tariffs", "*", "ta*", "tar*"].map { try Query($0).root })
        #expect(percolator.unanchoredCount == 3)
        let document = MatchDocument(headline: "Tariffs rise", body: "", tagKeys: [])
        #expect(percolator.candidates(document) == [0, 1, 2, 3, 4, 5])
        #expect(percolator.matches(document) == [1, 3, 4, 5])
        let other = MatchDocument(headline: "Storm", body: "snow", tagKeys: [])
        #expect(percolator.candidates(other) == [2, 3, 4])
    }
}
