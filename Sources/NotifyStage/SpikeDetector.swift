import Foundation
import NewsModel

/// Decides whether the last hour's count of a query's stories is a spike (docs/ALERTS.md). The
/// baseline is the larger of two expectations: an exponentially weighted moving average of the past
/// hourly counts (up to 14 days), which follows the query's recent level, and the mean of the same hour
/// of the day on the past days, which knows that news has a daily rhythm (a business desk is busy at 9
/// and quiet at 3, so a morning is not a spike). The deviation is the larger of theirs, floored at the
/// Poisson deviation of the baseline and at 1. The hour is a spike when its count reaches the
/// sensitivity's minimum, its z-score the sensitivity's threshold, and its ratio to the baseline the
/// sensitivity's ratio. `news-bench --spikes` measures the rule on Reuters-21578's hours.
public enum SpikeDetector {
    /// A sensitivity's numbers.
    public struct Level: Sendable {
        /// The z-score the hour must reach.
        public var zScore: Double
        /// The fewest stories an hour that can be a spike (so that 1 → 3 is not one).
        public var minimum: Int
        /// The count must be at least this many times the baseline.
        public var ratio: Double
    }

    /// A judgement of one hour, with the numbers it was made by.
    public struct Judgement: Sendable, Equatable {
        /// Whether the hour is a spike.
        public var spike: Bool
        /// The expected count: the larger of the moving average and the same hour's mean on past days.
        public var mean: Double
        /// The deviation the z-score is taken in.
        public var deviation: Double
        /// (count − mean) / deviation.
        public var zScore: Double
    }

    /// The EWMA's smoothing factor per hour: a half-life of about 6.6 hours.
    public static let smoothing = 0.1
    /// Hours of history needed before anything is judged a spike.
    public static let minimumHistoryHours = 24
    /// The longest history looked at.
    public static let historyHours = 14 * 24

    /// The numbers of a sensitivity.
    public static func level(_ sensitivity: WatchSensitivity) -> Level {
        switch sensitivity {
        case .low: Level(zScore: 5, minimum: 10, ratio: 4)
        case .medium: Level(zScore: 3.5, minimum: 5, ratio: 3)
        case .high: Level(zScore: 2.5, minimum: 3, ratio: 2)
        }
    }

    /// The count of the hour ending at `windowEnd` and the hourly counts of the complete hours before it
    /// (oldest first), back to `historyStart` or ``historyHours``, from arrival times in seconds (any
    /// order; those outside are ignored). Hour k before the window holds (start − (k + 1) h, start − k h].
    public static func counts(of arrivals: some Sequence<Double>, windowEnd: Double, historyStart: Double) -> (count: Int, hourly: [Int]) {
        let windowStart = windowEnd - 3600
        let hours = max(0, min(historyHours, Int((windowStart - max(historyStart, windowStart - Double(historyHours) * 3600)) / 3600)))
        var hourly = [Int](repeating: 0, count: hours)
        var count = 0
        for at in arrivals where at <= windowEnd {
            if at > windowStart {
                count += 1
            } else if at > windowStart - Double(hours) * 3600 {
                let back = Int((windowStart - at) / 3600)
                if back < hours { hourly[hours - 1 - back] += 1 }
            }
        }
        return (count, hourly)
    }

    /// The moving average of hourly counts (oldest first) and its weighted standard deviation.
    public static func movingBaseline(_ hourly: [Int]) -> (mean: Double, deviation: Double) {
        guard let first = hourly.first else { return (0, 0) }
        var mean = Double(first)
        var variance = 0.0
        for count in hourly.dropFirst() {
            let difference = Double(count) - mean
            mean += smoothing * difference
            variance = (1 - smoothing) * (variance + smoothing * difference * difference)
        }
        return (mean, variance.squareRoot())
    }

    /// The mean and standard deviation of the counts of the window's own hour of the day on the past
    /// days: the hours 24, 48, … back from the window (`hourly`'s last entry is the hour just before it).
    static func sameHourBaseline(_ hourly: [Int]) -> (mean: Double, deviation: Double) {
        meanAndDeviation(stride(from: hourly.count - 24, through: 0, by: -24).map { hourly[$0] })
    }

    /// The mean and (population) standard deviation of counts; zeros when there are none.
    public static func meanAndDeviation(_ counts: some Collection<Int>) -> (mean: Double, deviation: Double) {
        guard !counts.isEmpty else { return (0, 0) }
        let mean = Double(counts.reduce(0, +)) / Double(counts.count)
        let variance = counts.map { (Double($0) - mean) * (Double($0) - mean) }.reduce(0, +) / Double(counts.count)
        return (mean, variance.squareRoot())
    }

    /// The expectation and deviation of the hour after `hourly` (oldest first): the larger of the moving
    /// average and the same hour's mean, and the larger of their deviations (before the rule's floors).
    public static func baseline(_ hourly: [Int]) -> (mean: Double, deviation: Double) {
        let moving = movingBaseline(hourly)
        let sameHour = sameHourBaseline(hourly)
        return (max(moving.mean, sameHour.mean), max(moving.deviation, sameHour.deviation))
    }

    /// Whether `count` stories in the last hour is a spike against `hourly` (the complete hours before
    /// it, oldest first), with the numbers it was judged by.
    public static func judge(count: Int, hourly: [Int], sensitivity: WatchSensitivity) -> Judgement {
        let (mean, deviation) = baseline(hourly)
        return judge(count: count, historyHours: hourly.count, mean: mean, deviation: deviation, sensitivity: sensitivity)
    }

    /// The rule's test of `count` against any expectation (`mean`, `deviation`): the deviation floored
    /// at √mean and 1, then the sensitivity's minimum, z-score and ratio, with at least
    /// ``minimumHistoryHours`` of history. `news-bench` judges its peer baselines with it too.
    public static func judge(count: Int, historyHours: Int, mean: Double, deviation: Double, sensitivity: WatchSensitivity) -> Judgement {
        let sigma = max(deviation, mean.squareRoot(), 1)
        let zScore = (Double(count) - mean) / sigma
        let level = level(sensitivity)
        let spike = historyHours >= minimumHistoryHours && count >= level.minimum && zScore >= level.zScore && Double(count) >= level.ratio * mean
        return Judgement(spike: spike, mean: mean, deviation: sigma, zScore: zScore)
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

/// Decides whether a query has gone quiet (docs/ALERTS.md). The usual gap is the median of the gaps
/// between its last 51 stories (robust to bursts); a silence is `factor` usual gaps without a story, and
/// never less than five minutes. Once a day of history is known, the day's rhythm is asked too: the
/// stories that arrived in the same stretch of the day on the past days (up to a week, or the same
/// weekday a week before when that is fewer) must be at least those a steady stream brings in `factor`
/// usual gaps (factor × ln 2), so a desk that sleeps at night, or files little at weekends, is not
/// reported every night. `news-bench --spikes` measures the rule on Reuters-21578's hours.
public enum SilenceDetector {
    /// Gaps needed before a usual gap is trusted.
    public static let minimumGaps = 5
    /// The shortest silence reported, in seconds.
    public static let minimumSilence = 300.0
    /// The stories looked at for the usual gap.
    public static let recentStories = 51
    /// The past days whose same stretch of the day is asked.
    public static let rhythmDays = 7

    /// A judgement of the time since a query's last story.
    public struct Judgement: Sendable, Equatable {
        /// Whether it is a silence.
        public var silent: Bool
        /// When the last story arrived (seconds since 1970).
        public var lastStory: Double
        /// The usual gap, in seconds.
        public var usualGap: Double
        /// The stories the same stretch of the day brought on the past days; nil before a day of history.
        public var expectedStories: Double?
    }

    /// How many usual gaps make a silence at a sensitivity, unless the subscription names its own.
    public static func factor(_ sensitivity: WatchSensitivity) -> Double {
        switch sensitivity {
        case .low: 8
        case .medium: 4
        case .high: 2.5
        }
    }

    /// The median gap between arrival times (seconds, any order); nil with too few.
    public static func usualGap(_ arrivals: [Double]) -> Double? {
        let sorted = arrivals.sorted()
        guard sorted.count > minimumGaps else { return nil }
        let gaps = zip(sorted.dropFirst(), sorted).map { $0 - $1 }.sorted()
        let middle = gaps.count / 2
        return gaps.count % 2 == 1 ? gaps[middle] : (gaps[middle - 1] + gaps[middle]) / 2
    }

    /// The stories that arrived in (lastStory, now] shifted back by one day, two, … up to ``rhythmDays``
    /// while the shifted stretch is after `historyStart`: their mean, or with a whole week the count a
    /// week before when it is lower. nil before a whole day of history.
    public static func expectedStories(_ arrivals: [Double], lastStory: Double, now: Double, historyStart: Double) -> Double? {
        var counts: [Int] = []
        for day in 1...rhythmDays {
            let shift = Double(day) * 86400
            guard lastStory - shift >= historyStart else { break }
            counts.append(arrivals.count { $0 > lastStory - shift && $0 <= now - shift })
        }
        guard !counts.isEmpty else { return nil }
        let mean = Double(counts.reduce(0, +)) / Double(counts.count)
        return counts.count == rhythmDays ? min(mean, Double(counts[rhythmDays - 1])) : mean
    }

    /// Whether `now` is in a silence of a query whose stories arrived at `arrivals` (any order; at least
    /// the last ``recentStories`` and the past week's), watched since `historyStart`; nil when too few
    /// stories are known to say.
    public static func judge(_ arrivals: [Double], now: Double, factor: Double, historyStart: Double) -> Judgement? {
        let known = arrivals.filter { $0 <= now }.sorted()
        guard let last = known.last, let gap = usualGap(Array(known.suffix(recentStories))) else { return nil }
        let expected = expectedStories(known, lastStory: last, now: now, historyStart: historyStart)
        let silent = now - last >= max(factor * gap, minimumSilence) && (expected.map { $0 >= factor * log(2) } ?? true)
        return Judgement(silent: silent, lastStory: last, usualGap: gap, expectedStories: expected)
    }
}
