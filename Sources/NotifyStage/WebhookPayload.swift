import Foundation
import NewsModel

/// An alert written for its subscription's webhook format, and where it is POSTed: the generic signed
/// webhook (Standard Webhooks), a Slack- or Teams-compatible incoming webhook, or an ntfy topic. Each
/// says the headline, source, time, why it fired and links to the story.
enum WebhookPayload {
    /// The URL and body of `alert`'s delivery to `url` in `format`.
    static func render(_ alert: Alert, format: WebhookFormat, url: String) throws -> (url: String, body: String) {
        switch format {
        case .standard:
            return (url, String(decoding: try JSONCoding.encoder().encode(WebhookBody(alert)), as: UTF8.self))
        case .slack:
            return (url, try json(slack(alert)))
        case .teams:
            return (url, try json(teams(alert)))
        case .ntfy:
            // ntfy's JSON publishing goes to the server's root, with the topic in the body.
            guard var components = URLComponents(string: url), let topic = components.path.split(separator: "/").last else {
                return (url, try json(ntfy(alert, topic: "")))
            }
            let root = components.path.split(separator: "/").dropLast().joined(separator: "/")
            components.path = root.isEmpty ? "/" : "/\(root)/"
            return (components.string ?? url, try json(ntfy(alert, topic: String(topic))))
        }
    }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    /// `Reuters · 2026-02-01 09:30 UTC`.
    static func byline(_ alert: Alert) -> String {
        let date = alert.story.publishedAt ?? alert.createdAt
        return "\(alert.story.source ?? "unknown source") · \(RFC3339.format(date).prefix(16).replacingOccurrences(of: "T", with: " ")) UTC"
    }

    /// Why it fired, one line per clause: `place:Iran: Iran — gazetteer: "Iran"`.
    static func whyLines(_ alert: Alert) -> [String] {
        let tagged = (alert.tags ?? []).map { "\($0.clause): \($0.tag) — \($0.reason)" }
        return ["matched \(alert.matched.joined(separator: ", ")) (query: \(alert.query))"] + tagged
    }

    /// Slack's mrkdwn escapes only these three.
    static func slackEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// The story's URL when it is http or https: no other link goes into a chat message.
    static func webLink(_ alert: Alert) -> String? {
        guard let url = alert.story.url, let scheme = URL(string: url)?.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            return nil
        }
        return url
    }

    static func slack(_ alert: Alert) -> [String: Any] {
        let headline = slackEscaped(alert.story.headline)
        // In `<url|text>`, a `<`, `>` or `|` in the URL would end the link (and could ping a channel).
        let link = webLink(alert).map {
            $0.replacingOccurrences(of: "<", with: "%3C").replacingOccurrences(of: ">", with: "%3E").replacingOccurrences(of: "|", with: "%7C")
        }
        let title = link.map { "*<\($0)|\(headline)>*" } ?? "*\(headline)*"
        return [
            "text": slackEscaped("\(alert.story.headline) (\(alert.story.source ?? "unknown source"))"),
            "blocks": [
                ["type": "section", "text": ["type": "mrkdwn", "text": "\(title)\n\(slackEscaped(byline(alert)))"]],
                ["type": "context", "elements": whyLines(alert).map { ["type": "mrkdwn", "text": slackEscaped($0)] }],
            ],
        ]
    }

    static func teams(_ alert: Alert) -> [String: Any] {
        var card: [String: Any] = [
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
            "body": [
                ["type": "TextBlock", "text": alert.story.headline, "weight": "Bolder", "size": "Medium", "wrap": true],
                ["type": "TextBlock", "text": byline(alert), "isSubtle": true, "wrap": true],
                ["type": "FactSet", "facts": whyLines(alert).enumerated().map { ["title": $0.offset == 0 ? "Why" : "", "value": $0.element] }],
            ],
        ]
        if let url = webLink(alert) { card["actions"] = [["type": "Action.OpenUrl", "title": "Read the story", "url": url]] }
        return ["type": "message", "attachments": [["contentType": "application/vnd.microsoft.card.adaptive", "content": card]]]
    }

    static func ntfy(_ alert: Alert, topic: String) -> [String: Any] {
        var message: [String: Any] = [
            "topic": topic, "title": alert.story.headline, "message": ([byline(alert)] + whyLines(alert)).joined(separator: "\n"),
            "tags": ["newspaper"],
        ]
        if let url = webLink(alert) { message["click"] = url }
        return message
    }
}
