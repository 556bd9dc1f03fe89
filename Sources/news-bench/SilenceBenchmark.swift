import Foundation
import NewsModel
import NotifyStage

/// Silence alerts judged on a real wire's hours: each busy Reuters-21578 topic at its filing times,
/// through notify's rule (`SilenceDetector`, the usual gap and the day's rhythm) beside the usual-gap
/// rule alone (a heartbeat check: `factor` typical intervals without a story). Judged every five
/// minutes, one alert per silence, as notify does.
///
/// - **False alarms**: alerts on the real stream, per topic and week (an upper bound: the collection
///   itself may miss stories some hours).
/// - **Recall**: an outage (three hours without the topic's stories, starting at one of its stories on
///   a weekday) is caught when the rule fires inside it; as many outages as the period has days, one at
///   a time. Precision is the caught outages over those and the real stream's alerts.
struct SilenceBenchmark {
    /// One way of judging: the arrivals so far, the time, the factor and the history's start.
    struct Rule: Sendable {
        var name: String
        var silent: @Sendable (_ arrivals: [Double], _ now: Double, _ factor: Double, _ historyStart: Double) -> Bool
    }

    static let rules: [Rule] = [
        Rule(name: "notify") { arrivals, now, factor, start in
            SilenceDetector.judge(arrivals, now: now, factor: factor, historyStart: start)?.silent ?? false
        },
        Rule(name: "usual gap only") { arrivals, now, factor, start in
            guard let judged = SilenceDetector.judge(arrivals, now: now, factor: factor, historyStart: start) else { return false }
            return now - judged.lastStory >= max(factor * judged.usualGap, SilenceDetector.minimumSilence)
        },
    ]
    static let sensitivities: [WatchSensitivity] = [.low, .medium, .high]
    static let outageSeconds = 3 * 3600.0
    static let step = 300.0

    /// Every rule at every sensitivity on every topic.
    static func run(streams: TopicStreams, seed: UInt64 = 11) -> [WatchFigure] {
        let start = streams.period.lowerBound
        let end = streams.period.upperBound
        let judgedFrom = start + 3 * 86400
        let outageCount = max(1, Int((end - judgedFrom) / 86400))
        var generator = SplitMix64(seed: seed)
        var figures: [WatchFigure] = []
        for (topic, times) in streams.topics {
            // Outages start at a weekday story after three days, and end before the period does.
            let candidates = times.filter { time in
                let weekday = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date(timeIntervalSince1970: time)).weekday ?? 1
                return time >= judgedFrom && time + outageSeconds < end && (2...6).contains(weekday)
            }
            guard !candidates.isEmpty else { continue }
            let outages = (0..<outageCount).map { _ in candidates[Int(generator.next() % UInt64(candidates.count))] }
            for rule in rules {
                for sensitivity in sensitivities {
                    let factor = SilenceDetector.factor(sensitivity)
                    let alarms = alarmTimes(times, from: judgedFrom, through: end, historyStart: start) { rule.silent($0, $1, factor, start) }.count
                    var caught = 0
                    for outage in outages {
                        let cut = times.filter { $0 <= outage || $0 >= outage + outageSeconds }
                        let fired = alarmTimes(cut, from: outage, through: outage + outageSeconds - 1, historyStart: start) { rule.silent($0, $1, factor, start) }
                        if !fired.isEmpty { caught += 1 }
                    }
                    figures.append(
                        WatchFigure(
                            topic: topic, rule: rule.name, sensitivity: sensitivity, eventSize: nil, stories: times.count, alarms: alarms,
                            falseAlarmsPerWeek: Double(alarms) / streams.weeks, events: outages.count, caught: caught))
                }
            }
        }
        return figures
    }

    /// The times a rule reports a silence, judged every five minutes, once per last story.
    static func alarmTimes(_ times: [Double], from: Double, through: Double, historyStart: Double, silent: ([Double], Double) -> Bool) -> [Double] {
        var alarms: [Double] = []
        var told: Double?
        for now in stride(from: from, through: through, by: step) {
            let upper = TopicStreams.firstIndex(times, atLeast: now.nextUp)
            guard upper > 0 else { continue }
            let last = times[upper - 1]
            guard told != last else { continue }
            let lower = min(
                max(0, upper - SilenceDetector.recentStories),
                TopicStreams.firstIndex(times, atLeast: last - Double(SilenceDetector.rhythmDays + 1) * 86400))
            if silent(Array(times[lower..<upper]), now) {
                told = last
                alarms.append(now)
            }
        }
        return alarms
    }

    /// The figures as text: per topic at medium, then each rule and sensitivity pooled, then the ratios.
    static func report(_ figures: [WatchFigure]) -> String {
        var lines = ["silence alerts per topic, medium sensitivity: false alarms a week / recall / precision (three-hour outages)"]
        let names = rules.map(\.name)
        let topics = figures.map(\.topic).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        lines.append("  " + "topic".padding(toLength: 10, withPad: " ", startingAt: 0) + "stories" + names.map { "  " + $0.padding(toLength: 22, withPad: " ", startingAt: 0) }.joined())
        for topic in topics {
            let cells = names.map { name -> String in
                guard let figure = figures.first(where: { $0.topic == topic && $0.rule == name && $0.sensitivity == .medium }) else { return "" }
                return String(format: "%5.1f / %.2f / %.2f", figure.falseAlarmsPerWeek, figure.recall, figure.precision).padding(toLength: 22, withPad: " ", startingAt: 0)
            }
            let stories = figures.first { $0.topic == topic }?.stories ?? 0
            lines.append("  " + topic.padding(toLength: 10, withPad: " ", startingAt: 0) + String(stories).padding(toLength: 7, withPad: " ", startingAt: 0) + cells.map { "  " + $0 }.joined())
        }
        lines.append("pooled over the topics")
        var pooled: [String: (falseAlarms: Double, recall: Double)] = [:]
        for name in names {
            for sensitivity in sensitivities {
                let chosen = figures.filter { $0.rule == name && $0.sensitivity == sensitivity }
                let falseAlarms = chosen.map(\.falseAlarmsPerWeek).reduce(0, +) / Double(max(1, chosen.count))
                let caught = chosen.map(\.caught).reduce(0, +)
                let recall = Double(caught) / Double(max(1, chosen.map(\.events).reduce(0, +)))
                let precision = caught == 0 ? 0 : Double(caught) / Double(caught + chosen.map(\.alarms).reduce(0, +))
                pooled[name + sensitivity.rawValue] = (falseAlarms, recall)
                lines.append(
                    "  " + name.padding(toLength: 15, withPad: " ", startingAt: 0) + sensitivity.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                        + String(format: "false alarms %.2f a week; recall %.2f; precision %.2f", falseAlarms, recall, precision))
            }
        }
        lines.append("notify beside the usual-gap rule (ratios notify / peer)")
        for sensitivity in sensitivities {
            guard let ours = pooled[names[0] + sensitivity.rawValue], let theirs = pooled[names[1] + sensitivity.rawValue] else { continue }
            lines.append(
                "  " + sensitivity.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                    + String(
                        format: "false alarms %.2f against %.2f a week (ratio %.2f); recall %.2f against %.2f (ratio %.2f)", ours.falseAlarms, theirs.falseAlarms,
                        ours.falseAlarms / max(theirs.falseAlarms, 0.001), ours.recall, theirs.recall, ours.recall / max(theirs.recall, 0.001)))
        }
        return lines.joined(separator: "\n")
    }
}
