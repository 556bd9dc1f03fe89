import Foundation
import NewsModel

/// A notice written for its subscription's webhook format, and where it is POSTed: the generic signed
/// webhook (Standard Webhooks, `{type, timestamp, data}`), a Slack- or Teams-compatible incoming
/// webhook, or an ntfy topic. The chat formats are written from the notice's ``NoticeView``: the
/// headline or summary, its link, the byline, why, and a digest's or spike's stories.
enum WebhookPayload {
    /// The URL and body of `notice`'s delivery to `url` in `format`. An e-mail destination's body is
    /// the standard one: the mail is written from it when it is sent.
    static func render(_ notice: Notice, format: WebhookFormat, url: String) throws -> (url: String, body: String) {
        let view = NoticeView(notice)
        switch format {
        case .standard:
            return (url, String(decoding: try JSONCoding.encoder().encode(notice), as: UTF8.self))
        case .slack:
            return (url, try json(slack(view, notice: notice)))
        case .teams:
            return (url, try json(teams(view)))
        case .ntfy:
            // ntfy's JSON publishing goes to the server's root, with the topic in the body.
            guard var components = URLComponents(string: url), let topic = components.path.split(separator: "/").last else {
                return (url, try json(ntfy(view, topic: "")))
            }
            let root = components.path.split(separator: "/").dropLast().joined(separator: "/")
            components.path = root.isEmpty ? "/" : "/\(root)/"
            return (components.string ?? url, try json(ntfy(view, topic: String(topic))))
        }
    }

    static func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    /// Slack's mrkdwn escapes only these three.
    static func slackEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// `*<url|text>*`, or `*text*` without a link. In `<url|text>`, a `<`, `>` or `|` in the URL would
    /// end the link (and could ping a channel), so they are percent-encoded.
    static func slackTitle(_ text: String, link: String?) -> String {
        let title = slackEscaped(text)
        guard let link else { return "*\(title)*" }
        let safe = link.replacingOccurrences(of: "<", with: "%3C").replacingOccurrences(of: ">", with: "%3E").replacingOccurrences(of: "|", with: "%7C")
        return "*<\(safe)|\(title)>*"
    }

    static func slack(_ view: NoticeView, notice: Notice) -> [String: Any] {
        // The notification text: an alert's headline and outlet, or the notice's subject.
        let text: String
        if case .alert(let alert) = notice { text = "\(alert.story.headline) (\(alert.story.source ?? "unknown source"))" } else { text = view.subject }
        var blocks: [[String: Any]] = [
            ["type": "section", "text": ["type": "mrkdwn", "text": "\(slackTitle(view.title, link: view.link))\n\(slackEscaped(view.byline))"]]
        ]
        if !view.lines.isEmpty {
            blocks.append(["type": "context", "elements": view.lines.prefix(10).map { ["type": "mrkdwn", "text": slackEscaped($0)] }])
        }
        // Slack allows 50 blocks a message.
        for item in view.items.prefix(40) {
            blocks.append(
                ["type": "section", "text": ["type": "mrkdwn", "text": "\(slackTitle(item.title, link: item.link))\n\(slackEscaped(item.detail))"]])
        }
        if view.items.count > 40 {
            blocks.append(["type": "context", "elements": [["type": "mrkdwn", "text": "and \(view.items.count - 40) more"]]])
        }
        return ["text": slackEscaped(text), "blocks": blocks]
    }

    static func teams(_ view: NoticeView) -> [String: Any] {
        var body: [[String: Any]] = [
            ["type": "TextBlock", "text": view.title, "weight": "Bolder", "size": "Medium", "wrap": true],
            ["type": "TextBlock", "text": view.byline, "isSubtle": true, "wrap": true],
        ]
        if !view.lines.isEmpty {
            body.append(["type": "FactSet", "facts": view.lines.enumerated().map { ["title": $0.offset == 0 ? "Why" : "", "value": $0.element] }])
        }
        for item in view.items.prefix(40) {
            let title = item.link.map { "[\(item.title)](\($0))" } ?? item.title
            body.append(["type": "TextBlock", "text": "\(title)\n\n\(item.detail)", "wrap": true, "separator": true])
        }
        var card: [String: Any] = [
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4", "body": body,
        ]
        if let url = view.link { card["actions"] = [["type": "Action.OpenUrl", "title": "Read the story", "url": url]] }
        return ["type": "message", "attachments": [["contentType": "application/vnd.microsoft.card.adaptive", "content": card]]]
    }

    static func ntfy(_ view: NoticeView, topic: String) -> [String: Any] {
        let items = view.items.prefix(20).map { "• \($0.title) — \($0.detail)" }
        var message: [String: Any] = [
            "topic": topic, "title": view.title, "message": ([view.byline] + view.lines + items).joined(separator: "\n"), "tags": ["newspaper"],
        ]
        if let url = view.link ?? view.items.first?.link { message["click"] = url }
        return message
    }
}
