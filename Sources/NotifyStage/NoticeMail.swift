import Foundation
import Mustache
import NewsModel

/// A notice as an e-mail: a `multipart/alternative` message whose text and HTML parts come from the
/// Mustache templates in `Resources/mail` (headline or summary, source, time, link, why, a digest's
/// stories with their outlets); `Date`, a `Message-ID` that is the same on every attempt (so a receiver
/// that sees a retry can drop it), and `List-Unsubscribe` headers.
enum NoticeMail {
    /// The templates, read once from the module's resources.
    static let templates: (text: MustacheTemplate, html: MustacheTemplate) = {
        MustacheContentTypes.register(ScalarHTMLContent(), named: "MAIL_HTML")
        func load(_ name: String) -> MustacheTemplate {
            guard let url = Bundle.module.url(forResource: "mail/" + name, withExtension: "mustache"),
                let text = try? String(contentsOf: url, encoding: .utf8)
            else { fatalError("notify's resources lack mail/\(name).mustache: the build is incomplete") }
            do { return try MustacheTemplate(string: text) } catch { fatalError("mail/\(name).mustache does not parse: \(error)") }
        }
        return (load("notice.txt"), load("notice.html"))
    }()

    /// The whole message, CRLF line ends, ready for SMTP. `unsubscribeURL` is the recipient's own
    /// link (``UnsubscribeLink``), if notify has one.
    static func message(_ notice: Notice, from: String, to recipient: String, unsubscribeURL: String?, now: Date = Date()) -> Data {
        let boundary = "news-\(UInt64.random(in: 0...UInt64.max))"
        let view = NoticeView(notice)
        let values = view.templateValues(unsubscribeURL: unsubscribeURL)
        let text = templates.text.render(values)
        let html = templates.html.render(values)
        var unsubscribe = ["<mailto:\(from)?subject=unsubscribe%20\(notice.subscriptionID)>"]
        if let unsubscribeURL { unsubscribe.insert("<\(unsubscribeURL)>", at: 0) }
        var headers = [
            "From: \(from)", "To: \(recipient)", "Subject: \(encodedWord(view.subject))", "Date: \(rfc5322(now))",
            "Message-ID: <\(messageID(notice))>", "List-Unsubscribe: \(unsubscribe.joined(separator: ", "))", "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
        ]
        // One-click unsubscribing (RFC 8058) needs an https address to POST to.
        if unsubscribeURL?.lowercased().hasPrefix("https://") == true { headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click") }
        var lines = headers + [""]
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines += ["--\(boundary)", "Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", ""]
            lines += base64Lines(Data(body.utf8))
        }
        lines.append("--\(boundary)--")
        return Data((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// `<subscription>.<story cluster>@news-pipeline` for an alert (`dig_….@…` for a digest), stable
    /// for the notice.
    static func messageID(_ notice: Notice) -> String {
        let safe = notice.id.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" ? String($0) : "." }.joined()
        return "\(safe)@news-pipeline"
    }

    /// A header value as an RFC 2047 encoded word when it is not plain ASCII.
    static func encodedWord(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        guard flat.unicodeScalars.contains(where: { !$0.isASCII }) else { return flat }
        return "=?UTF-8?B?\(Data(flat.utf8).base64EncodedString())?="
    }

    static func base64Lines(_ data: Data) -> [String] {
        let encoded = data.base64EncodedString()
        return stride(from: 0, to: encoded.count, by: 76).map { start in
            let from = encoded.index(encoded.startIndex, offsetBy: start)
            return String(encoded[from..<(encoded.index(from, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex)])
        }
    }

    static func rfc5322(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}

/// HTML escaping by Unicode scalar (``HTMLText/escaped(_:)``). Mustache's own HTML type escapes by
/// Character, so a quote or `<` inside a grapheme cluster (`"` + U+0301) would pass through unescaped.
struct ScalarHTMLContent: MustacheContentType {
    func escapeText(_ text: String) -> String { HTMLText.escaped(text) }
}
