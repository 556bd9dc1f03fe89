import Foundation
import NewsModel

/// Any notice as people read it: a subject, a title with its link, a byline, lines that say why, and
/// items (a digest's stories, a spike's terms and stories). Chat messages and the e-mail templates are
/// all written from this one view, so every destination says the same thing.
struct NoticeView {
    /// One entry of a list: a digest's story, or a story or term of a spike.
    struct Item {
        var title: String
        var link: String?
        var detail: String
        var lines: [String]
    }

    var subject: String
    var title: String
    var link: String?
    var byline: String
    var lines: [String]
    var items: [Item]
    var query: String
    var subscriptionID: String

    init(_ notice: Notice) {
        query = ""
        subscriptionID = notice.subscriptionID
        switch notice {
        case .alert(let alert):
            subject = "Alert: " + alert.story.headline
            title = alert.story.headline
            link = Self.webLink(alert.story.url)
            byline = Self.byline(alert.story.source, alert.story.publishedAt ?? alert.createdAt)
            lines = Self.whyLines(alert)
            items = []
            query = alert.query
        case .digest(let digest):
            query = digest.query
            let updates = digest.stories.filter(\.update).count
            if digest.isUpdateOnly, digest.stories.count == 1, let story = digest.stories.first {
                subject = "Update: now carried by \(Self.outlets(story.outlets.count)): \(story.headline)"
                title = story.headline
                link = Self.webLink(story.url)
                byline = "now carried by \(Self.outlets(story.outlets.count)); new: \(story.newOutlets.joined(separator: ", "))"
                lines = story.why
                items = []
            } else {
                let fresh = digest.stories.count - updates
                subject = "Digest: \(Self.count(fresh, "new story", "new stories"))\(updates > 0 ? " and \(Self.count(updates, "update", "updates"))" : "") for \(digest.query)"
                title = subject
                link = nil
                byline = "\(Self.stamp(digest.dueAt)) UTC, query \(digest.query)"
                lines = []
                items = digest.stories.map { story in
                    let carried = "\(Self.outlets(story.outlets.count)): \(Self.list(story.outlets))"
                    let detail =
                        story.update
                        ? "update, now carried by \(carried); new: \(story.newOutlets.joined(separator: ", "))"
                        : "\(Self.stamp(story.publishedAt)) UTC · carried by \(carried)"
                    return Item(title: story.headline, link: Self.webLink(story.url), detail: detail, lines: story.why)
                }
            }
        case .spike(let spike):
            query = spike.query
            subject = "Spike: \(spike.count) stories in an hour for \(spike.query) (usually \(Self.decimal(spike.baseline)))"
            title = subject
            link = nil
            byline = "\(Self.stamp(spike.windowStart))–\(Self.stamp(spike.windowEnd).suffix(5)) UTC, \(spike.sensitivity.rawValue) sensitivity"
            lines = [
                "\(spike.count) distinct stories matched \(spike.query) in the hour to \(Self.stamp(spike.windowEnd)) UTC; "
                    + "the baseline is \(Self.decimal(spike.baseline)) an hour (deviation \(Self.decimal(spike.deviation)), z-score \(Self.decimal(spike.zScore))).",
                spike.entities.isEmpty ? "No entity stands out." : "Entities most over-represented: " + Self.terms(spike.entities) + ".",
                spike.words.isEmpty ? "No word stands out." : "Words most over-represented: " + Self.terms(spike.words) + ".",
            ]
            items = spike.stories.map { Item(title: $0.headline, link: Self.webLink($0.url), detail: $0.source ?? "unknown source", lines: []) }
        case .silence(let silence):
            query = silence.query
            subject = "Silence: nothing for \(silence.query) in \(Self.duration(silence.silentSeconds))"
            title = subject
            link = Self.webLink(silence.lastStory?.url)
            byline = "last story \(Self.stamp(silence.lastStoryAt)) UTC"
            lines = [
                "No story has matched \(silence.query) for \(Self.duration(silence.silentSeconds)); the usual gap between its stories is "
                    + "\(Self.duration(silence.usualGapSeconds)), and \(Self.decimal(silence.factor)) usual gaps make a silence.",
                silence.expectedStories.map { "At these hours on the past days it had \(Self.decimal($0)) stories on average." } ?? "",
                silence.lastStory.map { "The last was \"\($0.headline)\" (\($0.source ?? "unknown source"))." } ?? "",
            ].filter { !$0.isEmpty }
            items = []
        }
    }

    /// The values the mail templates read.
    func templateValues(unsubscribeURL: String?) -> [String: Any] {
        var values: [String: Any] = [
            "subject": subject, "title": title, "byline": byline, "lines": lines, "query": query, "subscription": subscriptionID,
            "hasLines": !lines.isEmpty, "hasItems": !items.isEmpty,
            "items": items.map { item -> [String: Any] in
                var entry: [String: Any] = ["title": item.title, "detail": item.detail, "lines": item.lines, "hasLines": !item.lines.isEmpty]
                if let link = item.link { entry["link"] = link }
                return entry
            },
        ]
        if let link { values["link"] = link }
        if let unsubscribeURL { values["unsubscribe"] = unsubscribeURL }
        return values
    }

    /// `Reuters · 2026-02-01 09:30 UTC`.
    static func byline(_ source: String?, _ date: Date) -> String {
        "\(source ?? "unknown source") · \(stamp(date)) UTC"
    }

    /// `2026-02-01 09:30`.
    static func stamp(_ date: Date?) -> String {
        date.map { RFC3339.format($0).prefix(16).replacingOccurrences(of: "T", with: " ") } ?? "undated"
    }

    /// Why it fired, one line per clause: `place:Iran: Iran — gazetteer: "Iran"`.
    static func whyLines(_ alert: Alert) -> [String] {
        let tagged = (alert.tags ?? []).map { "\($0.clause): \($0.tag) — \($0.reason)" }
        return ["matched \(alert.matched.joined(separator: ", ")) (query: \(alert.query))"] + tagged
    }

    /// A URL when it is http or https: no other link goes into a message (``HTMLText/webLink(_:)``).
    static func webLink(_ url: String?) -> String? { HTMLText.webLink(url) }

    static func outlets(_ count: Int) -> String { count == 1 ? "1 outlet" : "\(count) outlets" }

    static func count(_ count: Int, _ one: String, _ many: String) -> String { "\(count) \(count == 1 ? one : many)" }

    /// At most eight names, then how many more.
    static func list(_ names: [String]) -> String {
        names.count <= 8 ? names.joined(separator: ", ") : names.prefix(8).joined(separator: ", ") + " and \(names.count - 8) more"
    }

    static func terms(_ terms: [OverRepresentedTerm]) -> String {
        terms.map { "\($0.term) (\($0.spikeStories) of the hour's stories, \($0.baselineStories) before)" }.joined(separator: ", ")
    }

    static func decimal(_ value: Double) -> String { String(format: "%.1f", value) }

    /// `3 h 20 min`, `45 min`, `2 d 4 h`.
    static func duration(_ seconds: Double) -> String {
        let minutes = Int((seconds / 60).rounded())
        if minutes < 60 { return "\(minutes) min" }
        if minutes < 48 * 60 { return minutes % 60 == 0 ? "\(minutes / 60) h" : "\(minutes / 60) h \(minutes % 60) min" }
        return "\(minutes / 1440) d \(minutes % 1440 / 60) h"
    }
}
