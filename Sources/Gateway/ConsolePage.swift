import Foundation
import HTTPTypes
import Hummingbird
import NewsModel

/// The web console's HTML: one layout for every page, escaped text, and nothing that needs a build
/// step (no npm): the pages are rendered here, and the little JavaScript they use is in
/// `console.js`, served as it is written.
enum ConsolePage {
    /// The console's sections, in the order the navigation shows them.
    static let sections: [(path: String, title: String)] = [
        ("/console/search", "Search"), ("/console/subscriptions", "Subscriptions"), ("/console/alerts", "Live alerts"),
        ("/console/deliveries", "Deliveries"), ("/console/feeds", "Feeds"), ("/console/status", "Status"),
    ]

    /// Text made safe for HTML content and attribute values (``HTMLText/escaped(_:)``).
    static func escape(_ text: String) -> String { HTMLText.escaped(text) }

    /// A story's URL when it is a web address (http or https), else nil: a `javascript:` or `data:`
    /// URL from a submitted story never becomes a link.
    static func webLink(_ url: String?) -> String? { HTMLText.webLink(url) }

    /// A search snippet with its `[matched]` words highlighted.
    static func highlighted(_ snippet: String) -> String {
        var out = ""
        var inside = false
        for character in escape(snippet) {
            if character == "[" && !inside {
                out += "<mark>"
                inside = true
            } else if character == "]" && inside {
                out += "</mark>"
                inside = false
            } else {
                out.append(character)
            }
        }
        return inside ? out + "</mark>" : out
    }

    /// A whole page: the navigation, the title and `body`.
    static func render(title: String, current: String?, signedIn: Bool, body: String, status: HTTPResponse.Status = .ok) -> Response {
        let navigation =
            signedIn
            ? sections.map { section in
                let mark = section.path == current ? #" aria-current="page""# : ""
                return #"<a href="\#(section.path)"\#(mark)>\#(section.title)</a>"#
            }.joined(separator: "\n") + #"<form method="post" action="/console/sign-out" class="inline"><button type="submit">Sign out</button></form>"#
            : ""
        let html = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · News pipeline</title>
            <link rel="stylesheet" href="/console/static/console.css">
            <script src="/console/static/console.js" defer></script>
            </head>
            <body>
            <header><a class="brand" href="/console/search">News pipeline</a><nav aria-label="Sections">\(navigation)</nav></header>
            <main id="main">
            <h1>\(escape(title))</h1>
            \(body)
            </main>
            </body>
            </html>
            """
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("Content-Security-Policy")!:
                    "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// A status line for what the last action did, read out by screen readers; empty without one.
    static func notice(_ message: String?) -> String {
        message.map { #"<p class="notice" role="status">\#(escape($0))</p>"# } ?? ""
    }

    /// A short date and time in UTC.
    static func date(_ date: Date?) -> String {
        guard let date else { return "undated" }
        return String(RFC3339.format(date).prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    /// A bar chart of counts over time, drawn here as SVG: one bar per bucket, labelled for screen
    /// readers with its period and count.
    static func volumeChart(_ buckets: [(label: String, count: Int)], caption: String) -> String {
        let width = 640, height = 160, gap = 2
        let maximum = max(1, buckets.map(\.count).max() ?? 1)
        let barWidth = max(2, (width - gap * buckets.count) / max(1, buckets.count))
        var bars = ""
        for (index, bucket) in buckets.enumerated() {
            let barHeight = Int(Double(height - 20) * Double(bucket.count) / Double(maximum))
            let x = index * (barWidth + gap)
            bars += #"<rect x="\#(x)" y="\#(height - 20 - barHeight)" width="\#(barWidth)" height="\#(max(barHeight, 1))"><title>\#(escape(bucket.label)): \#(bucket.count)</title></rect>"#
        }
        let first = escape(buckets.first?.label ?? ""), last = escape(buckets.last?.label ?? "")
        let summary = buckets.map { "\($0.label) \($0.count)" }.joined(separator: ", ")
        return """
            <figure class="chart">
            <svg viewBox="0 0 \(width) \(height)" role="img" aria-label="\(escape(caption)): \(escape(summary))" preserveAspectRatio="none">\(bars)
            <text x="0" y="\(height - 4)">\(first)</text><text x="\(width)" y="\(height - 4)" text-anchor="end">\(last)</text></svg>
            <figcaption>\(escape(caption)), highest \(maximum)</figcaption>
            </figure>
            """
    }
}
