import Crypto
import Foundation
import Testing

@Suite("Webhook deliveries across processes", .serialized)
struct WebhookDeliveryTests {
    static func story(_ id: String, _ headline: String) -> String {
        #"{"id": "\#(id)", "headline": "\#(headline)", "body": "Snow fell across the region overnight; \#(id) reports.", "source": "Weather Desk"}"#
    }

    @Test("webhooks are signed, retried through a receiver outage and a notify restart, delivered once; dead letters replay; the alerts file gets every alert")
    func deliveries() async throws {
        try await PipelineHarness.with { pipeline in
            let server = try await TestFeedServer.start(in: pipeline)
            let alertsFile = pipeline.runDirectory.appendingPathComponent("alerts.jsonl").path
            let notifyOptions = [
                "--webhook-allow", "127.0.0.0/8", "--webhook-retry-base", "0.3", "--webhook-max-attempts", "4", "--alerts-file", alertsFile,
            ]
            for stage in ["ingest", "tag", "index"] { try pipeline.start(stage) }
            try pipeline.start("notify", notifyOptions)
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0, "\(pipeline.logs())")

            // A target inside the operator's network that is not allowed is refused at once.
            let metadata = try await pipeline.newsctl("subscribe", ["--webhook", "http://169.254.169.254/latest", "storm"])
            #expect(metadata.status != 0 && metadata.stderr.contains("link-local"), "\(metadata.stderr)")

            // The receiver is down (503) when the alert is made.
            try await server.setHookStatus("storm", 503)
            let subscribed = try await pipeline.newsctl("subscribe", ["--webhook", server.url("/hooks/storm"), "storm"])
            #expect(subscribed.status == 0, "\(subscribed.stderr)")
            let lines = subscribed.stdout.split(separator: "\n").map(String.init)
            let subscriptionID = try #require(lines.first)
            let secret = try #require(lines.last?.components(separatedBy: ": ").last)
            #expect(secret.hasPrefix("whsec_"), "\(subscribed.stdout)")
            let listed = try await pipeline.newsctl("subscriptions")
            #expect(listed.stdout.contains(server.url("/hooks/storm")) && !listed.stdout.contains(secret), "the secret is not shown again")

            let file = try pipeline.write("storm.jsonl", Self.story("hook-1", "Winter storm closes schools") + "\n")
            #expect(try await pipeline.newsctl("publish", [file.path]).status == 0)
            #expect(try await eventually { try await server.requests(for: "/hooks/storm", method: "POST").count >= 2 }, "no retries: \(pipeline.logs())")

            // notify restarts with the delivery pending; the receiver recovers while it is down.
            let notify = try #require(pipeline.child("notify"))
            notify.signal(SIGTERM)
            #expect(await notify.waitForExit(timeout: .seconds(10)) != nil)
            let pending = try await server.requests(for: "/hooks/storm", method: "POST").count
            try await server.setHookStatus("storm", 200)
            try pipeline.start("notify", as: "notify", notifyOptions)
            #expect(try await eventually(timeout: .seconds(30)) {
                try await server.requests(for: "/hooks/storm", method: "POST").contains { $0.status == 200 }
            }, "not delivered after the restart: \(pipeline.logs())")
            try await Task.sleep(for: .seconds(1))
            let attempts = try await server.requests(for: "/hooks/storm", method: "POST")
            #expect(attempts.count >= pending + 1)
            #expect(attempts.filter { $0.status == 200 }.count == 1, "delivered once: \(attempts.map(\.status))")
            #expect(Set(attempts.compactMap(\.webhookId)) == ["\(subscriptionID)/hook-1"], "one message id on every attempt")

            // The delivery is signed with the subscription's secret.
            let delivered = try #require(attempts.last)
            let timestamp = try #require(delivered.webhookTimestamp.flatMap { Int($0) })
            #expect(abs(Double(timestamp) - Date().timeIntervalSince1970) < 120)
            let key = SymmetricKey(data: try #require(Data(base64Encoded: String(secret.dropFirst("whsec_".count)))))
            let mac = HMAC<SHA256>.authenticationCode(for: Data("\(delivered.webhookId!).\(timestamp).\(delivered.body!)".utf8), using: key)
            #expect(delivered.webhookSignature == "v1," + Data(mac).base64EncodedString())
            #expect(delivered.contentType == "application/json")
            let body = try JSONSerialization.jsonObject(with: Data(delivered.body!.utf8)) as? [String: Any]
            #expect(body?["type"] as? String == "alert.created")
            #expect(((body?["data"] as? [String: Any])?["story"] as? [String: Any])?["id"] as? String == "hook-1")
            let state = try await pipeline.newsctl("deliveries", ["--json"])
            #expect(state.stdout.contains("\"state\":\"delivered\""), "\(state.stdout)")

            // A receiver that keeps failing: the delivery becomes a dead letter, listed, then replayed.
            try await server.setHookStatus("broken", 500)
            let broken = try await pipeline.newsctl("subscribe", ["--webhook", server.url("/hooks/broken"), "blizzard"])
            let brokenID = try #require(broken.stdout.split(separator: "\n").first.map(String.init))
            let second = try pipeline.write("blizzard.jsonl", Self.story("hook-2", "Blizzard warning for the coast") + "\n")
            #expect(try await pipeline.newsctl("publish", [second.path]).status == 0)
            #expect(try await eventually(timeout: .seconds(30)) {
                try await pipeline.newsctl("deliveries", ["--dead"]).stdout.contains("\(brokenID)/hook-2")
            }, "no dead letter: \(pipeline.logs())")
            let brokenAttempts = try await server.requests(for: "/hooks/broken", method: "POST")
            #expect(brokenAttempts.count == 4, "four attempts, then given up: \(brokenAttempts.map { "\($0.status) \($0.webhookId ?? "")" })")
            let dead = try await pipeline.newsctl("deliveries", ["--dead"])
            #expect(dead.stdout.contains("HTTP 500"), "\(dead.stdout)")
            try await server.setHookStatus("broken", 204)
            let replay = try await pipeline.newsctl("deliveries replay", ["--all"])
            #expect(replay.stdout.contains("replayed 1 dead letter"), "\(replay.stdout) \(replay.stderr)")
            #expect(try await eventually { try await server.requests(for: "/hooks/broken", method: "POST").contains { $0.status == 204 } })
            #expect(try await eventually { try await pipeline.newsctl("deliveries", ["--dead"]).stdout.contains("no webhook deliveries") })

            // The JSON Lines sink holds both alerts.
            let written = (try? String(contentsOfFile: alertsFile, encoding: .utf8)) ?? ""
            let ids = written.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .compactMap { $0["id"] as? String }
            #expect(Set(ids) == ["\(subscriptionID)/hook-1", "\(brokenID)/hook-2"], "\(written)")
        }
    }
}

@Suite("Slow webhook receivers", .serialized, .timeLimit(.minutes(2)))
struct SlowReceiverTests {
    @Test("eight subscriptions to a receiver slower than the timeout do not delay a healthy receiver's alert")
    func slowReceiverCostsOnlyItsOwn() async throws {
        try await PipelineHarness.with { pipeline in
            let slow = try await TestFeedServer.start(in: pipeline)
            let healthy = try await TestFeedServer.start(in: pipeline, name: "healthy-server")
            for index in 0..<8 { try await slow.setHookStatus("slow\(index)", 10_000 + 30) }
            for stage in ["ingest", "tag", "index"] { try pipeline.start(stage) }
            try pipeline.start("notify", ["--webhook-allow", "127.0.0.0/8"])
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0)
            for index in 0..<8 {
                #expect(try await pipeline.newsctl("subscribe", ["--webhook", slow.url("/hooks/slow\(index)"), "harbour OR h\(index)"]).status == 0)
            }
            let first = try pipeline.write("first.jsonl", #"{"id": "slow-1", "headline": "Harbour reopens", "body": "Ships returned."}"# + "\n")
            #expect(try await pipeline.newsctl("publish", [first.path]).status == 0)
            // The slow receiver now holds its deliveries (each waits 30 s, past the 10 s timeout).
            #expect(try await eventually { try await slow.requests().filter { $0.method == "POST" }.count >= 1 })
            #expect(try await pipeline.newsctl("subscribe", ["--webhook", healthy.url("/hooks/ok"), "storm"]).status == 0)
            let second = try pipeline.write("second.jsonl", #"{"id": "storm-1", "headline": "Storm closes schools", "body": "Snow fell."}"# + "\n")
            let clock = ContinuousClock()
            let start = clock.now
            #expect(try await pipeline.newsctl("publish", [second.path]).status == 0)
            let delivered = try await eventually(timeout: .seconds(20)) {
                try await healthy.requests(for: "/hooks/ok", method: "POST").count >= 1
            }
            let elapsed = clock.now - start
            #expect(delivered)
            #expect(elapsed < .seconds(5), "the healthy receiver waited \(elapsed)")
        }
    }
}
