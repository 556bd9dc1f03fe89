import Foundation
import NewsModel

/// Decides whether the last hour's count of a query's stories is a spike (docs/ALERTS.md): the
/// baseline is an exponentially weighted moving average of the past hourly counts (up to 14 days), the
/// deviation its exponentially weighted standard deviation, floored at the Poisson deviation of the
/// baseline and at 1; the hour is a spike when its count reaches the sensitivity's minimum, its z-score
/// the sensitivity's threshold, and its ratio to the baseline the sensitivity's ratio.
enum SpikeDetector {
    /// A sensitivity's numbers.
    struct Level: Sendable {
        /// The z-score the hour must reach.
        var zScore: Double
        /// The fewest stories an hour that can be a spike (so that 1 → 3 is not one).
        var minimum: Int
        /// The count must be at least this many times the baseline.
        var ratio: Double
    }

    /// The EWMA's smoothing factor per hour: a half-life of about 6.6 hours.
    static let smoothing = 0.1
    /// Hours of history needed before anything is judged a spike.
    static let minimumHistoryHours = 24
    /// The longest history looked at.
    static let historyHours = 14 * 24

    static func level(_ sensitivity: WatchSensitivity) -> Level {
        switch sensitivity {
        case .low: Level(zScore: 5, minimum: 10, ratio: 4)
        case .medium: Level(zScore: 3.5, minimum: 5, ratio: 3)
        case .high: Level(zScore: 2.5, minimum: 3, ratio: 2)
        }
    }

    /// The baseline and deviation of hourly counts, oldest first.
    static func baseline(_ hourly: [Int]) -> (mean: Double, deviation: Double) {
        guard let first = hourly.first else { return (0, 1) }
        var mean = Double(first)
        var variance = 0.0
        for count in hourly.dropFirst() {
            let difference = Double(count) - mean
            mean += smoothing * difference
            variance = (1 - smoothing) * (variance + smoothing * difference * difference)
        }
        return (mean, max(variance.squareRoot(), mean.squareRoot(), 1))
    }

    /// Whether `count` stories in the last hour is a spike against `hourly` (the complete hours before
    /// it, oldest first), with the numbers it was judged by.
    static func judge(count: Int, hourly: [Int], sensitivity: WatchSensitivity) -> (spike: Bool, mean: Double, deviation: Double, zScore: Double) {
        let (mean, deviation) = baseline(hourly)
        let zScore = (Double(count) - mean) / deviation
        let level = level(sensitivity)
        let spike = hourly.count >= minimumHistoryHours && count >= level.minimum && zScore >= level.zScore && Double(count) >= level.ratio * mean
        return (spike, mean, deviation, zScore)
    }

    /// The terms most over-represented in the spike's stories against the baseline's, by the z-score
    /// of the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and Quinn 2008),
    /// counted in stories, not mentions. A term must be in at least two of the spike's stories and
    /// score at least 1.96.
    static func overRepresented(spike: [Set<String>], baseline: [Set<String>], limit: Int) -> [OverRepresentedTerm] {
        let n = Double(spike.count)
        let m = Double(baseline.count)
        guard n > 0 else { return [] }
        var inSpike: [String: Int] = [:]
        var inBaseline: [String: Int] = [:]
        for terms in spike { for term in terms { inSpike[term, default: 0] += 1 } }
        for terms in baseline { for term in terms where inSpike[term] != nil { inBaseline[term, default: 0] += 1 } }
        // The prior: `priorTotal` pseudo-stories split by the term's pooled share, plus a half in each
        // cell (Haldane–Anscombe), so a term in every story, or in none of the baseline, stays finite.
        let priorTotal = 10.0
        var scored: [OverRepresentedTerm] = []
        for (term, y) in inSpike where y >= 2 {
            let b = inBaseline[term] ?? 0
            let share = Double(y + b) / max(1, n + m)
            let prior = priorTotal * share
            let cells = [
                Double(y) + prior + 0.5, n - Double(y) + priorTotal - prior + 0.5, Double(b) + prior + 0.5,
                m - Double(b) + priorTotal - prior + 0.5,
            ]
            let logOddsRatio = log(cells[0] / cells[1]) - log(cells[2] / cells[3])
            let score = logOddsRatio / cells.map { 1 / $0 }.reduce(0, +).squareRoot()
            if score >= 1.96 { scored.append(OverRepresentedTerm(term: term, spikeStories: y, baselineStories: b, score: (score * 100).rounded() / 100)) }
        }
        return Array(scored.sorted { ($0.score, $1.term) > ($1.score, $0.term) }.prefix(limit))
    }

    /// Words that carry no topic, left out of the over-represented words.
    static let stopWords: Set<String> = [
        "a", "about", "after", "again", "against", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "before", "being",
        "between", "both", "but", "by", "can", "could", "did", "do", "does", "down", "during", "each", "for", "from", "further", "had", "has",
        "have", "he", "her", "here", "him", "his", "how", "if", "in", "into", "is", "it", "its", "just", "more", "most", "new", "no", "not",
        "now", "of", "off", "on", "once", "one", "only", "or", "other", "our", "out", "over", "own", "said", "says", "same", "she", "should",
        "so", "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "through", "to",
        "too", "two", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "why", "will",
        "with", "would", "year", "years", "you", "your",
    ]

    /// A headline's content words: folded, three letters or more, not stop words or numbers.
    static func words(_ headline: String) -> [String] {
        var seen = Set<String>()
        return TextTokenizer.tokens(in: headline).map(\.text).filter { word in
            word.count >= 3 && !stopWords.contains(word) && !word.allSatisfy(\.isNumber) && seen.insert(word).inserted
        }
    }
}

/// Decides whether a query has gone quiet (docs/ALERTS.md): the usual gap is the median of the gaps
/// between its last 51 stories (robust to bursts); silence is `factor` usual gaps without a story, and
/// never less than five minutes.
enum SilenceDetector {
    /// Gaps needed before a usual gap is trusted.
    static let minimumGaps = 5
    /// The shortest silence reported, in seconds.
    static let minimumSilence = 300.0

    /// How many usual gaps make a silence at a sensitivity, unless the subscription names its own.
    static func factor(_ sensitivity: WatchSensitivity) -> Double {
        switch sensitivity {
        case .low: 8
        case .medium: 4
        case .high: 2.5
        }
    }

    /// The median gap between arrival times (seconds, any order); nil with too few.
    static func usualGap(_ arrivals: [Double]) -> Double? {
        let sorted = arrivals.sorted()
        guard sorted.count > minimumGaps else { return nil }
        let gaps = zip(sorted.dropFirst(), sorted).map { $0 - $1 }.sorted()
        let middle = gaps.count / 2
        return gaps.count % 2 == 1 ? gaps[middle] : (gaps[middle - 1] + gaps[middle]) / 2
    }
}
