import Foundation
import NewsModel
import Testing

@testable import HTTPClient
@testable import NotifyStage

@Suite("Webhook signing, address guard and outbox")
struct WebhookTests {
    @Test("signatures follow Standard Webhooks: HMAC-SHA256 of id.timestamp.body under the whsec_ key")
    func signature() {
        // The specification's published example.
        let signature = WebhookSignature.sign(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Data(#"{"test": 2432232314}"#.utf8),
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(WebhookSignature.sign(id: "a", timestamp: 1, body: Data(), secret: "not-a-secret") == nil)
        let secret = WebhookSignature.newSecret()
        #expect(secret.hasPrefix("whsec_") && WebhookSignature.key(of: secret) != nil && secret != WebhookSignature.newSecret())
    }

    @Test(
        "loopback, private, link-local and other internal addresses are refused unless allowed",
        arguments: [
            ("http://127.0.0.1:8080/hook", "loopback"), ("http://10.1.2.3/", "private"), ("http://192.168.0.7/", "private"),
            ("http://172.20.0.1/", "private"), ("http://169.254.169.254/latest/meta-data", "link-local"), ("http://[::1]:9000/", "loopback"),
            ("http://[fe80::1]/", "link-local"), ("http://[fd12::1]/", "private"), ("http://[::ffff:127.0.0.1]/", "loopback"),
            ("http://0.0.0.0/", "unspecified"), ("http://100.64.1.1/", "shared"), ("http://localhost:1/", "loopback"),
        ])
    func refused(url: String, kind: String) {
        #expect {
            _ = try AddressGuard().check(url)
        } throws: { error in
            let message = "\(error)"
            return (error as? AddressGuardError)?.kind == .refused && message.hasPrefix("refused") && message.contains(kind) && message.contains("--webhook-allow")
        }
    }

    @Test("an allowed network passes, a name is pinned to the checked address, a numeric host needs no pin; public addresses pass")
    func allowed() throws {
        let guardrail = AddressGuard(allowed: [try CIDR("127.0.0.0/8"), try CIDR("::1/128"), try CIDR("fd00::/8")])
        let target = try guardrail.check("http://127.0.0.1:8123/hook")
        #expect(target.resolve.isEmpty)
        // A numeric IPv6 host: `::1:443:[::1]` is not an entry libcurl can read, and there is no lookup to pin.
        #expect(try guardrail.check("https://[fd00::5]/x").resolve.isEmpty)
        let named = try guardrail.check("http://localhost:8123/hook").resolve
        #expect(named.count == 1 && named[0].hasPrefix("localhost:8123:"), "\(named)")
        #expect(try AddressGuard().check("https://93.184.216.34/hook").port == 443)
        #expect(throws: AddressGuardError.self) { try guardrail.check("http://10.0.0.1/") }
        #expect(throws: AddressGuardError.self) { try guardrail.check("ftp://127.0.0.1/") }
        #expect(throws: AddressGuardError.self) { try CIDR("10.0.0.0/33") }
        #expect(throws: AddressGuardError.self) { try CIDR("example.org/8") }
        #expect(try CIDR("10.0.0.0/8").contains([10, 200, 1, 1]) && !(try CIDR("10.0.0.0/8").contains([11, 0, 0, 1])))
    }

    @Test("backoff doubles from the base, with jitter, up to the maximum")
    func backoff() {
        let policy = WebhookPolicy(retryBase: 2, maximumDelay: 60)
        #expect((1.6...2.4).contains(policy.delay(afterAttempts: 1)))
        #expect((6.4...9.6).contains(policy.delay(afterAttempts: 3)))
        #expect((48...72).contains(policy.delay(afterAttempts: 20)))
    }

    @Test("a new alert of a webhook subscription enters the outbox in the same transaction; replay revives dead letters")
    func outbox() async throws {
        let path = NSTemporaryDirectory() + "outbox-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try SubscriptionStore(path: path)
        let hooked = try await store.subscribe("iran", webhook: "http://127.0.0.1:9/hook")
        let secret = try #require(hooked.webhookSecret)
        #expect(try await store.subscribe("iran", webhook: "http://127.0.0.1:9/hook").webhookSecret == nil, "the secret is shown once")
        let plain = try await store.subscribe("iran").subscription
        #expect(plain.id != hooked.subscription.id, "the same query without the webhook is another subscription")
        let story = TaggedStory(story: Story(id: "s1", headline: "Iran", body: "b"), entities: [], topics: [], tagger: "t")
        let root = try Query("iran").root
        try await store.record([
            Alert(subscription: hooked.subscription, story: story, satisfied: [root]), Alert(subscription: plain, story: story, satisfied: [root]),
        ])
        let claimed = try await store.outbox.claimDueDeliveries(limit: 10, perDestination: 2, room: [:], lease: 60)
        #expect(claimed.map(\.id) == [hooked.subscription.id + "/s1"] && claimed.first?.secret == secret)
        #expect(try await store.outbox.claimDueDeliveries(limit: 10, perDestination: 2, room: [:], lease: 60).isEmpty, "a claimed delivery is leased")
        let body = try JSONSerialization.jsonObject(with: try #require(claimed.first).body) as? [String: Any]
        #expect(body?["type"] as? String == "alert.created" && (body?["data"] as? [String: Any])?["subscriptionID"] as? String == hooked.subscription.id)
        try await store.outbox.markFailed(claimed[0].id, error: "HTTP 500", retryAt: nil)
        let dead = try await store.outbox.deliveries(DeliveriesRequest(state: .dead))
        #expect(dead.map(\.id) == [claimed[0].id] && dead.first?.lastError == "HTTP 500" && dead.first?.attempts == 1)
        await #expect(throws: ControlFailure.self) { try await store.outbox.replay(ReplayRequest(id: "nope")) }
        #expect(try await store.outbox.replay(ReplayRequest()).replayed == 1)
        #expect(try await store.outbox.claimDueDeliveries(limit: 10, perDestination: 2, room: [:], lease: 60).map(\.attempts) == [0])
    }
}

@Suite("Webhook queues per receiver")
struct WebhookDestinationTests {
    @Test("a receiver at its limit is skipped in the claim, so another receiver's due delivery goes out")
    func fullDestinationsAreSkipped() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SubscriptionStore(path: directory.appendingPathComponent("notify.sqlite").path)
        var subscriptions: [Subscription] = []
        for index in 0..<8 { subscriptions.append(try await store.subscribe("slow\(index)", webhook: "http://slow.example:8080/h\(index)").subscription) }
        let healthy = try await store.subscribe("healthy", webhook: "https://ok.example/hook").subscription
        let story = TaggedStory(story: Story(id: "s1", headline: "h", body: "b"), entities: [], topics: [], tagger: "t")
        let root = try Query("x").root
        try await store.record(subscriptions.map { Alert(subscription: $0, story: story, satisfied: [root]) })
        try await store.record([Alert(subscription: healthy, story: story, satisfied: [root])])
        #expect(WebhookDestination.key("HTTP://Slow.Example:8080/h1?x") == "http://slow.example:8080")
        // Two slow ones are in flight: the slow receiver has no room, the healthy one is claimed.
        let claimed = try await store.outbox.claimDueDeliveries(
            limit: 4, perDestination: 2, room: ["http://slow.example:8080": 0], lease: 60)
        #expect(claimed.map(\.destination) == ["https://ok.example:443"])
        // With room, at most two per receiver.
        let more = try await store.outbox.claimDueDeliveries(limit: 16, perDestination: 2, room: [:], lease: 60)
        #expect(more.map(\.destination) == ["http://slow.example:8080", "http://slow.example:8080"])
    }
}
