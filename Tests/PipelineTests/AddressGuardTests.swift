import Foundation
import Testing

/// Polled feeds and webhooks go only where the operator allows: a feed on loopback, private or
/// link-local addresses (or a redirect to one) is refused unless allowed; webhooks reach IPv6 receivers.
@Suite("Feeds and webhooks go where they should", .serialized, .timeLimit(.minutes(2)))
struct AddressGuardTests {
    @Test("a feed on a refused address, or redirected to one, is refused and never fetched")
    func feedsAreGuarded() async throws {
        try await PipelineHarness.with { pipeline in
            let server = try await TestFeedServer.start(in: pipeline)
            try await server.setFeed("secret", rssFeed(title: "Internal", items: [("internal-1", "Internal payroll page", nil)]))
            try await server.setFeed("public", rssFeed(title: "Public", items: [("public-1", "Harbour reopens after storm", nil)]))
            // Only the test server's own address is allowed; 127.0.0.2 and the metadata address are not.
            try pipeline.start("ingest", ["--feed-allow", "127.0.0.1/32"])
            for stage in ["tag", "index", "notify"] { try pipeline.start(stage) }
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0)

            let port = server.base.split(separator: ":").last!
            for refused in ["http://127.0.0.2:\(port)/feeds/secret", "http://169.254.169.254/latest/meta-data/", "http://[::1]:\(port)/feeds/secret"] {
                let added = try await pipeline.newsctl("feeds add", [refused, "--every", "1"])
                #expect(added.status != 0, "\(refused) was accepted")
                #expect(added.stderr.contains("ingest --feed-allow"), "\(refused): \(added.stderr)")
            }
            // Allowed itself, but redirecting to a refused address.
            let redirect = server.url("/redirect?to=" + "http://127.0.0.2:\(port)/feeds/secret".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(try await pipeline.newsctl("feeds add", [redirect, "--every", "1"]).status == 0)
            #expect(try await pipeline.newsctl("feeds add", [server.url("/feeds/public"), "--every", "1"]).status == 0)
            #expect(try await eventually { try await pipeline.counter("index", "indexed") >= 1 }, "\(pipeline.logs())")
            let refusedRedirect = try await eventually {
                let list = try await pipeline.newsctl("feeds list", ["--json"])
                return list.stdout.contains("which is refused")
            }
            let listed = try await pipeline.newsctl("feeds list", ["--json"]).stdout
            #expect(refusedRedirect, "\(listed)")
            #expect(try await pipeline.newsctl("search", ["payroll"]).stdout.contains("Internal payroll") == false)
            #expect(try await server.requests(for: "/feeds/secret").isEmpty, "the refused feed was fetched")
        }
    }

    @Test("a webhook to an IPv6 receiver on an allowed network is delivered")
    func ipv6Webhook() async throws {
        try await PipelineHarness.with { pipeline in
            let server = try await TestFeedServer.start(in: pipeline, ipv6: true)
            for stage in ["ingest", "tag", "index"] { try pipeline.start(stage) }
            try pipeline.start("notify", ["--webhook-allow", "::1/128"])
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0)
            let subscribed = try await pipeline.newsctl("subscribe", ["--webhook", server.url("/hooks/v6"), "harbour"])
            #expect(subscribed.status == 0, "\(subscribed.stderr)")
            let file = try pipeline.write("v6.jsonl", #"{"id": "v6-1", "headline": "Harbour reopens", "body": "Ships returned."}"# + "\n")
            #expect(try await pipeline.newsctl("publish", [file.path]).status == 0)
            // The receiver answers only on ::1 (Foundation's URL loading cannot read its log there): notify's own
            // record says whether the receiver took the delivery with a 2xx.
            let delivered = try await eventually(timeout: .seconds(30)) {
                try await pipeline.newsctl("deliveries", ["--json"]).stdout.contains(#""state":"delivered""#)
            }
            #expect(server.base.hasPrefix("http://[::1]:"))
            let deliveries = try await pipeline.newsctl("deliveries", []).stdout
            #expect(delivered, "no delivery over ::1: \(deliveries)\n\(pipeline.logs())")
        }
    }
}
