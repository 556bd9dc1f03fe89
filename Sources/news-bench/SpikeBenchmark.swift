import Foundation
import NewsModel
import NotifyStage

/// Spike alerts judged on a real wire's hours: the stories of each Reuters-21578 topic, at their filing
/// times, through notify's own rule (`SpikeDetector`), beside two peers given the same sensitivity
/// numbers: a plain EWMA control chart (no daily rhythm) and Meltwater's documented comparison of the
/// last hour with the past 12 hours. Nobody has labelled Reuters' bursts, so two things are measured:
///
/// - **False alarms**: alerts on the real stream, per topic and week. Some may be real news (a trade
///   dispute flaring), so this is an upper bound on false alarms.
/// - **Recall**: a burst of `k` extra stories within 30 minutes, injected at a random hour (one burst
///   at a time, as many as the period has days), is caught when the rule fires within the burst's hour.
///   Precision is then the caught bursts over the caught bursts plus the real stream's alerts (what a
///   reader would see if one true spike happened a day).
///
/// The judgement runs as notify runs it: on every story, and every ten minutes between (which re-arms
/// a rule after a spike), with a spike told once until the hour falls back.
struct SpikeBenchmark {
    /// One way of judging an hour: the count of the hour, the hourly counts before it (oldest first)
    /// and the sensitivity.
    struct Rule: Sendable {
        var name: String
        var judge: @Sendable (_ count: Int, _ hourly: [Int], _ sensitivity: WatchSensitivity) -> Bool
    }

    /// The rules compared: notify's, then the peers.
    static let rules: [Rule] = [
        Rule(name: "notify") { count, hourly, sensitivity in
            SpikeDetector.judge(count: count, hourly: hourly, sensitivity: sensitivity).spike
        },
        Rule(name: "EWMA chart") { count, hourly, sensitivity in
            let (mean, deviation) = SpikeDetector.movingBaseline(hourly)
            return SpikeDetector.judge(count: count, historyHours: hourly.count, mean: mean, deviation: deviation, sensitivity: sensitivity).spike
        },
        Rule(name: "past 12 hours") { count, hourly, sensitivity in
            let (mean, deviation) = SpikeDetector.meanAndDeviation(hourly.suffix(12))
            return SpikeDetector.judge(count: count, historyHours: hourly.count, mean: mean, deviation: deviation, sensitivity: sensitivity).spike
        },
    ]

    /// Burst sizes injected.
    static let burstSizes = [5, 10, 20]
    static let sensitivities: [WatchSensitivity] = [.low, .medium, .high]

    /// Runs every rule at every sensitivity on the corpus's dated stories.
    static func run(streams: TopicStreams, seed: UInt64 = 7) -> [WatchFigure] {
        let period = streams.period
        let weeks = streams.weeks
        let topics = streams.topics
        // Bursts start after three days of history, as many of each size as the period has days.
        let firstBurstHour = Int(period.lowerBound / 3600) + 72
        let lastBurstHour = Int(period.upperBound / 3600) - 2
        let burstCount = max(1, (lastBurstHour - firstBurstHour) / 24)
        var generator = SplitMix64(seed: seed)
        var figures: [WatchFigure] = []
        for (topic, times) in topics {
            let combinations = rules.flatMap { rule in sensitivities.map { (rule: rule, sensitivity: $0) } }
            let alarms = combinations.map { combination in
                alarmTimes(times, from: period.lowerBound, through: period.upperBound, historyStart: period.lowerBound) {
                    combination.rule.judge($0, $1, combination.sensitivity)
                }.count
            }
            var caught = [[Int]](repeating: [Int](repeating: 0, count: burstSizes.count), count: combinations.count)
            for (sizeIndex, size) in burstSizes.enumerated() {
                for _ in 0..<burstCount {
                    let start = Double(firstBurstHour + Int(generator.next() % UInt64(lastBurstHour - firstBurstHour))) * 3600
                    let merged = (times + (0..<size).map { _ in start + Double(generator.next() % 1800) }).sorted()
                    for (index, combination) in combinations.enumerated() {
                        // Judged from two hours before, so a real spike already under way holds the rule as it would in notify.
                        let fired = alarmTimes(merged, from: start - 7200, through: start + 3600, historyStart: period.lowerBound) {
                            combination.rule.judge($0, $1, combination.sensitivity)
                        }
                        if fired.contains(where: { $0 >= start }) { caught[index][sizeIndex] += 1 }
                    }
                }
            }
            for (index, combination) in combinations.enumerated() {
                for (sizeIndex, size) in burstSizes.enumerated() {
                    figures.append(
                        WatchFigure(
                            topic: topic, rule: combination.rule.name, sensitivity: combination.sensitivity, eventSize: size, stories: times.count,
                            alarms: alarms[index], falseAlarmsPerWeek: Double(alarms[index]) / weeks, events: burstCount,
                            caught: caught[index][sizeIndex]))
                }
            }
        }
        return figures
    }

    /// The figures as text: per topic at medium sensitivity with bursts of 10, then every rule,
    /// sensitivity and burst size pooled over the topics.
    static func report(_ figures: [WatchFigure]) -> String {
        var lines = ["per topic, medium sensitivity, bursts of 10 stories: false alarms a week / recall / precision"]
        let names = rules.map(\.name)
        lines.append(
            "  " + "topic".padding(toLength: 10, withPad: " ", startingAt: 0) + "stories"
                + names.map { "  " + $0.padding(toLength: 22, withPad: " ", startingAt: 0) }.joined())
        let topics = figures.map(\.topic).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        for topic in topics {
            let cells = names.map { name -> String in
                guard let figure = figures.first(where: { $0.topic == topic && $0.rule == name && $0.sensitivity == .medium && $0.eventSize == 10 })
                else { return "" }
                return String(format: "%4.1f / %.2f / %.2f", figure.falseAlarmsPerWeek, figure.recall, figure.precision)
                    .padding(toLength: 22, withPad: " ", startingAt: 0)
            }
            let stories = figures.first { $0.topic == topic }?.stories ?? 0
            lines.append(
                "  " + topic.padding(toLength: 10, withPad: " ", startingAt: 0) + String(stories).padding(toLength: 7, withPad: " ", startingAt: 0)
                    + cells.map { "  " + $0 }.joined())
        }
        lines.append("pooled over the topics: false alarms a topic-week; recall and precision for bursts of 5 / 10 / 20")
        for name in names {
            for sensitivity in sensitivities {
                let chosen = figures.filter { $0.rule == name && $0.sensitivity == sensitivity }
                let perTopic = chosen.filter { $0.eventSize == burstSizes[0] }
                let falseAlarms = perTopic.map(\.falseAlarmsPerWeek).reduce(0, +) / Double(max(1, perTopic.count))
                let bySize = burstSizes.map { size -> String in
                    let sized = chosen.filter { $0.eventSize == size }
                    let caught = sized.map(\.caught).reduce(0, +)
                    let bursts = sized.map(\.events).reduce(0, +)
                    let alarms = sized.map(\.alarms).reduce(0, +)
                    return String(format: "%.2f/%.2f", Double(caught) / Double(max(1, bursts)), caught == 0 ? 0 : Double(caught) / Double(caught + alarms))
                }
                lines.append(
                    "  " + name.padding(toLength: 15, withPad: " ", startingAt: 0) + sensitivity.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                        + String(format: "false alarms %.2f a week; recall/precision ", falseAlarms) + bySize.joined(separator: "  "))
            }
        }
        lines.append("notify beside each peer, bursts of 10 (ratios notify / peer)")
        func pooled(_ name: String, _ sensitivity: WatchSensitivity) -> (falseAlarms: Double, recall: Double) {
            let chosen = figures.filter { $0.rule == name && $0.sensitivity == sensitivity && $0.eventSize == 10 }
            let falseAlarms = chosen.map(\.falseAlarmsPerWeek).reduce(0, +) / Double(max(1, chosen.count))
            let recall = Double(chosen.map(\.caught).reduce(0, +)) / Double(max(1, chosen.map(\.events).reduce(0, +)))
            return (falseAlarms, recall)
        }
        for peer in names.dropFirst() {
            for sensitivity in sensitivities {
                let ours = pooled(names[0], sensitivity)
                let theirs = pooled(peer, sensitivity)
                lines.append(
                    "  " + peer.padding(toLength: 15, withPad: " ", startingAt: 0) + sensitivity.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                        + String(
                            format: "false alarms %.2f against %.2f a week (ratio %.2f); recall %.2f against %.2f (ratio %.2f)", ours.falseAlarms,
                            theirs.falseAlarms, ours.falseAlarms / max(theirs.falseAlarms, 0.001), ours.recall, theirs.recall,
                            ours.recall / max(theirs.recall, 0.001)))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The times a rule fires on a stream (sorted arrival times), judged at every arrival and every ten
    /// minutes from `from` through `through`, told once until the hour falls back.
    static func alarmTimes(_ times: [Double], from: Double, through: Double, historyStart: Double, judge: (Int, [Int]) -> Bool) -> [Double] {
        var points = Array(times[TopicStreams.firstIndex(times, atLeast: from)..<TopicStreams.firstIndex(times, atLeast: through.nextUp)])
        points += stride(from: from, through: through, by: 600)
        points.sort()
        var armed = true
        var alarms: [Double] = []
        for point in points {
            let lower = TopicStreams.firstIndex(times, atLeast: max(historyStart, point - Double(SpikeDetector.historyHours + 2) * 3600))
            let upper = TopicStreams.firstIndex(times, atLeast: point.nextUp)
            let (count, hourly) = SpikeDetector.counts(of: times[lower..<upper], windowEnd: point, historyStart: historyStart)
            if !judge(count, hourly) {
                armed = true
            } else if armed {
                armed = false
                alarms.append(point)
            }
        }
        return alarms
    }
}

