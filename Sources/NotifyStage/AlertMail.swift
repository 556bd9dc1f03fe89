import Foundation
import NewsModel

/// An alert as an e-mail: a `multipart/alternative` message with a text and an HTML part, each with the
/// headline, source, time, a link and why it fired; `Date`, a `Message-ID` that is the same on every
/// attempt (so a receiver that sees a retry can drop it), and `List-Unsubscribe` headers.
enum AlertMail {
    /// The whole message, CRLF line ends, ready for SMTP.
    static func message(_ alert: Alert, from: String, to recipient: String, unsubscribeURL: String?, now: Date = Date()) -> Data {
        let boundary = "news-\(UInt64.random(in: 0...UInt64.max))"
        let link = WebhookPayload.webLink(alert)
        let why = WebhookPayload.whyLines(alert)
        var text = "\(alert.story.headline)\n\(WebhookPayload.byline(alert))\n"
        if let link { text += "\(link)\n" }
        text += "\nWhy you are told:\n" + why.map { "- \($0)" }.joined(separator: "\n") + "\n"
        let escape: (String) -> String = { value in
            value.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let title = link.map { #"<a href="\#(escape($0))">\#(escape(alert.story.headline))</a>"# } ?? escape(alert.story.headline)
        let html = """
            <!doctype html><html><body style="font-family: sans-serif">
            <h2 style="margin: 0 0 .25em">\(title)</h2>
            <p style="color: #555; margin: 0 0 1em">\(escape(WebhookPayload.byline(alert)))</p>
            <p style="margin: 0">Why you are told:</p>
            <ul>\(why.map { "<li>\(escape($0))</li>" }.joined())</ul>
            </body></html>
            """
        var unsubscribe = ["<mailto:\(from)?subject=unsubscribe%20\(alert.subscriptionID)>"]
        if let unsubscribeURL {
            unsubscribe.insert("<\(unsubscribeURL)\(unsubscribeURL.contains("?") ? "&" : "?")subscription=\(alert.subscriptionID)>", at: 0)
        }
        var headers = [
            "From: \(from)", "To: \(recipient)", "Subject: \(encodedWord("Alert: " + alert.story.headline))", "Date: \(rfc5322(now))",
            "Message-ID: <\(messageID(alert))>", "List-Unsubscribe: \(unsubscribe.joined(separator: ", "))", "MIME-Version: 1.0",
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

    /// `<subscription>.<story cluster>@news-pipeline`, stable for the alert.
    static func messageID(_ alert: Alert) -> String {
        let safe = alert.id.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" ? String($0) : "." }.joined()
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
