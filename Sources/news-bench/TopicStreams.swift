import Foundation
import NewsModel

/// The filing times of the ten busiest Reuters-21578 topics over the corpus's longest unbroken stretch:
/// the real hours on which spike and silence alerts are judged (`SpikeBenchmark`, `SilenceBenchmark`).
struct TopicStreams {
    /// The stretch: no gap over 36 hours between stories (the collection has months missing; a gap in
    /// the collection is not a silence on the wire).
    let period: ClosedRange<Double>
    /// Each topic's sorted filing times in the period, busiest first.
    let topics: [(topic: String, times: [Double])]
    /// Stories with a filing time in the period.
    let stories: Int

    /// The topics measured.
    static let topicCount = 10

    /// The period's length in weeks.
    var weeks: Double { (period.upperBound - period.lowerBound) / (7 * 86400) }

    init(corpus: BenchCorpus) {
        let dated = corpus.items.compactMap { item in item.filed.map { (time: $0, topics: item.topics) } }.sorted { $0.time < $1.time }
        let times = dated.map(\.time)
        var start = times.first ?? 0
        var best = start...start
        for (previous, time) in zip(times, times.dropFirst()) {
            if time - previous > 36 * 3600 { start = time }
            if time - start > best.upperBound - best.lowerBound { best = start...time }
        }
        let inPeriod = dated.filter { best.contains($0.time) }
        var perTopic: [String: [Double]] = [:]
        for story in inPeriod { for topic in story.topics { perTopic[topic, default: []].append(story.time) } }
        period = best
        stories = inPeriod.count
        topics = perTopic.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }.prefix(Self.topicCount).map { ($0.key, $0.value) }
    }

    /// The period in words.
    var description: String {
        let format = DateFormatter()
        format.dateFormat = "yyyy-MM-dd"
        format.timeZone = TimeZone(identifier: "UTC")
        return "\(format.string(from: Date(timeIntervalSince1970: period.lowerBound))) to "
            + "\(format.string(from: Date(timeIntervalSince1970: period.upperBound))), \(stories) stories, \(String(format: "%.1f", weeks)) weeks"
    }

    /// The first index of sorted `times` whose value is at least `value`.
    static func firstIndex(_ times: [Double], atLeast value: Double) -> Int {
        var low = 0
        var high = times.count
        while low < high {
            let middle = (low + high) / 2
            if times[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// One topic's figures under one rule and sensitivity: the alerts on its real stream, and how many of
/// the injected events (bursts of `eventSize` stories, or outages) were caught.
struct WatchFigure {
    var topic: String
    var rule: String
    var sensitivity: WatchSensitivity
    /// The stories in each injected burst; nil for outages.
    var eventSize: Int?
    var stories: Int
    /// Alerts on the real stream.
    var alarms: Int
    var falseAlarmsPerWeek: Double
    /// Events injected, one at a time, as many as the period has days.
    var events: Int
    var caught: Int
    var recall: Double { events == 0 ? 0 : Double(caught) / Double(events) }
    /// Caught events over those and the real stream's alerts.
    var precision: Double { caught == 0 ? 0 : Double(caught) / Double(caught + alarms) }

    /// The figure for a JSON file.
    var json: [String: Any] {
        [
            "topic": topic, "rule": rule, "sensitivity": sensitivity.rawValue, "eventSize": eventSize ?? 0, "stories": stories, "alarms": alarms,
            "falseAlarmsPerWeek": falseAlarmsPerWeek, "events": events, "caught": caught, "recall": recall, "precision": precision,
        ]
    }
}
