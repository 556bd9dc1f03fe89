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
                "--webhook-allow", "127.0.0.0/8", "--webhook-retry-base", "1", "--webhook-max-attempts", "6", "--alerts-file", alertsFile,
            ]
            // Attempts come about 1, 2, 4, 8 and 16 s apart (±20 %): notify has over 20 s between the second
            // attempt and the sixth to shut down, so the storm delivery is still pending (not a dead letter)
            // when it restarts, however loaded the machine (under make test's parallel suites a stop has
            // taken long enough for attempts 3 and 4 at 1.5 s apart).
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
            try #require(pending < 6, "the delivery ran out of attempts before notify stopped: the test's timing is off")
            try await server.setHookStatus("storm", 200)
            try pipeline.start("notify", as: "notify", notifyOptions)
            let deliveredAfterRestart = try await eventually(timeout: .seconds(30)) {
                try await server.requests(for: "/hooks/storm", method: "POST").contains { $0.status == 200 }
            }
            if !deliveredAfterRestart {
                let outbox = try await pipeline.newsctl("deliveries", ["--json"]).stdout
                Issue.record("not delivered after the restart (\(pending) attempts before it): \(outbox) \(pipeline.logs())")
            }
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
            #expect(try await eventually(timeout: .seconds(60)) {
                try await pipeline.newsctl("deliveries", ["--dead"]).stdout.contains("\(brokenID)/hook-2")
            }, "no dead letter: \(pipeline.logs())")
            let brokenAttempts = try await server.requests(for: "/hooks/broken", method: "POST")
            #expect(brokenAttempts.count == 6, "six attempts, then given up: \(brokenAttempts.map { "\($0.status) \($0.webhookId ?? "")" })")
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
            #expect(try await pipeline.newsctl("publish", [second.path]).status == 0)
            let delivered = try await eventually(timeout: .seconds(20)) {
                try await healthy.requests(for: "/hooks/ok", method: "POST").count >= 1
            }
            #expect(delivered)
            // Had the healthy delivery queued behind the slow ones, it could not start before their first
            // attempts timed out (10 s after they began); it must come while they all still hang.
            let slowRequests = try await slow.requests().filter { $0.method == "POST" }
            let healthyRequests = try await healthy.requests(for: "/hooks/ok", method: "POST")
            let firstSlow = try #require(slowRequests.first?.receivedAt)
            let healthyAt = try #require(healthyRequests.first?.receivedAt)
            #expect(healthyAt - firstSlow < 9, "the healthy receiver's alert came \(healthyAt - firstSlow) s after the slow deliveries began")
        }
    }
}

/// Chat and push destinations: the same outbox and retries, each in its service's own format.
@Suite("Slack, Teams and ntfy destinations", .serialized)
struct ChatDestinationTests {
    @Test("an alert reaches a Slack-compatible, a Teams-compatible and an ntfy receiver, each in its format, with the headline, link and why")
    func chatFormats() async throws {
        try await PipelineHarness.with { pipeline in
            let server = try await TestFeedServer.start(in: pipeline)
            for stage in ["ingest", "tag", "index"] { try pipeline.start(stage) }
            try pipeline.start("notify", ["--webhook-allow", "127.0.0.0/8", "--webhook-retry-base", "0.3"])
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0, "\(pipeline.logs())")
            let refused = try await pipeline.newsctl("subscribe", ["--webhook-format", "slack", "storm"])
            #expect(refused.status != 0 && refused.stderr.contains("--webhook"), "a format without a webhook: \(refused.stderr)")
            for (format, path) in [("slack", "/hooks/slack"), ("teams", "/hooks/teams"), ("ntfy", "/ntfy/newsroom")] {
                let made = try await pipeline.newsctl("subscribe", ["--webhook", server.url(path), "--webhook-format", format, "storm"])
                #expect(made.status == 0, "\(format): \(made.stderr)")
            }
            // The receiver is down for Slack at first: the same retries as any webhook.
            try await server.setHookStatus("slack", 503)
            let file = try pipeline.write(
                "chat.jsonl",
                #"{"id": "chat-1", "headline": "Winter storm closes schools & roads", "url": "https://news.example/storm", "body": "Snow fell overnight.", "source": "Weather Desk"}"#
                    + "\n")
            #expect(try await pipeline.newsctl("publish", [file.path]).status == 0)
            #expect(try await eventually { try await server.requests(for: "/hooks/slack", method: "POST").count >= 1 })
            try await server.setHookStatus("slack", 200)

            func delivered(_ path: String) async throws -> [String: Any]? {
                guard let request = try await server.requests(for: path, method: "POST").last(where: { $0.status == 200 }),
                    let body = request.body
                else { return nil }
                return try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            }
            #expect(try await eventually(timeout: .seconds(30)) {
                let slack = try await delivered("/hooks/slack")
                let teams = try await delivered("/hooks/teams")
                let ntfy = try await delivered("/ntfy/")
                return slack != nil && teams != nil && ntfy != nil
            }, "\(pipeline.logs())")

            let slack = try #require(try await delivered("/hooks/slack"))
            #expect((slack["text"] as? String)?.contains("Winter storm closes schools &amp; roads") == true, "Slack text, escaped: \(slack["text"] ?? "")")
            let blocks = try #require(slack["blocks"] as? [[String: Any]])
            let section = try #require((blocks.first?["text"] as? [String: Any])?["text"] as? String)
            #expect(section.contains("<https://news.example/storm|Winter storm closes schools &amp; roads>"), "Slack mrkdwn link: \(section)")
            #expect(blocks.contains { $0["type"] as? String == "context" }, "the why-lines")

            let teams = try #require(try await delivered("/hooks/teams"))
            #expect(teams["type"] as? String == "message")
            let attachment = try #require((teams["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
            let card = try #require(attachment["content"] as? [String: Any])
            #expect(card["type"] as? String == "AdaptiveCard")
            #expect(((card["actions"] as? [[String: Any]])?.first?["url"] as? String) == "https://news.example/storm")

            let ntfy = try #require(try await delivered("/ntfy/"))
            #expect(ntfy["topic"] as? String == "newsroom" && ntfy["title"] as? String == "Winter storm closes schools & roads")
            #expect(ntfy["click"] as? String == "https://news.example/storm")
            #expect((ntfy["message"] as? String)?.contains("matched storm") == true, "ntfy message: \(ntfy["message"] ?? "")")

            let slackAttempts = try await server.requests(for: "/hooks/slack", method: "POST")
            #expect(slackAttempts.filter { $0.status == 200 }.count == 1, "delivered once: \(slackAttempts.map(\.status))")
        }
    }
}
