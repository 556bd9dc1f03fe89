import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The local HTTP server of `feed_server.py`, run as a real process: feeds whose content the test
/// sets, and feeds that fail, hang or never end.
struct TestFeedServer: Sendable {
    let process: ChildProcess
    let base: String

    /// Starts the server under `harness` (which stops it at shutdown) and waits for its port.
    static func start(in harness: PipelineHarness, ipv6: Bool = false, name: String? = nil) async throws -> TestFeedServer {
        let script = PipelineHarness.repositoryRoot.appendingPathComponent("Tests/PipelineTests/Support/feed_server.py")
        let process = try harness.startProcess(
            name: name ?? (ipv6 ? "feed-server-v6" : "feed-server"), executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: ["python3", script.path] + (ipv6 ? ["--ipv6"] : []))
        var port = ""
        _ = await eventually(timeout: .seconds(10)) {
            port = process.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            return !port.isEmpty
        }
        try #require(!port.isEmpty, "the feed server did not start: \(process.stderr)")
        return TestFeedServer(process: process, base: ipv6 ? "http://[::1]:\(port)" : "http://127.0.0.1:\(port)")
    }

    /// The URL of `path` on the server.
    func url(_ path: String) -> String { base + path }

    /// Sets the body of the feed `name` (served at `/feeds/NAME`, `/plain/NAME` and `/flaky/NAME`).
    func setFeed(_ name: String, _ body: String) async throws {
        var request = URLRequest(url: URL(string: url("/feeds/\(name)"))!)
        request.httpMethod = "PUT"
        request.httpBody = Data(body.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        try #require((response as? HTTPURLResponse)?.statusCode == 204)
    }

    /// Sets the status the webhook receiver `/hooks/NAME` answers POSTs with.
    func setHookStatus(_ name: String, _ status: Int) async throws {
        var request = URLRequest(url: URL(string: url("/hooks/\(name)"))!)
        request.httpMethod = "PUT"
        request.httpBody = Data("\(status)".utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        try #require((response as? HTTPURLResponse)?.statusCode == 204)
    }

    /// One request the server saw.
    struct LoggedRequest: Decodable {
        var method: String
        var path: String
        var ifNoneMatch: String?
        var ifModifiedSince: String?
        var status: Int
        var webhookId: String?
        var webhookTimestamp: String?
        var webhookSignature: String?
        var contentType: String?
        var body: String?
        /// When the server received it, in seconds since 1970 by the server's clock.
        var receivedAt: Double
    }

    /// Every request the server has seen, oldest first.
    func requests() async throws -> [LoggedRequest] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: url("/_log"))!)
        return try JSONDecoder().decode([LoggedRequest].self, from: data)
    }

    /// The requests with one method (GET unless given) for one path.
    func requests(for path: String, method: String = "GET") async throws -> [LoggedRequest] {
        try await requests().filter { $0.path == path && $0.method == method }
    }
}

/// An RSS 2.0 document with one item per (guid, title, date); a nil date leaves `pubDate` out.
func rssFeed(title: String, items: [(guid: String, title: String, date: String?)]) -> String {
    let entries = items.map { item in
        """
        <item><guid>\(item.guid)</guid><title>\(item.title)</title>\
        <description><![CDATA[<p>\(item.title), reported for the polling tests.</p>]]></description>\
        \(item.date.map { "<pubDate>\($0)</pubDate>" } ?? "")</item>
        """
    }
    return """
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0"><channel><title>\(title)</title><link>https://news.example/</link>
        \(entries.joined(separator: "\n"))
        </channel></rss>
        """
}
