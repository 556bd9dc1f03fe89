import Foundation
import GRDB
import NewsModel
import Testing

@testable import NotifyStage

/// Digests, caps, story updates, spikes and silences on a store with a simulated clock: hours of
/// schedules in milliseconds. (Tests/PipelineTests/AlertScheduleTests.swift runs the same through real
/// notify processes and an SMTP server.)
@Suite("Digests, caps, updates, spikes and silences by notify's clock")
struct NoticeTests {
    func date(_ text: String) -> Date { RFC3339.parse(text)! }

    func store(_ path: String? = nil, at start: String) throws -> SubscriptionStore {
        try SubscriptionStore(
            path: path ?? NSTemporaryDirectory() + "notify-\(UUID().uuidString)/notify.sqlite", clock: .simulated(startingAt: date(start)))
    }

    func story(_ id: String, _ headline: String, source: String, cluster: String? = nil, places: [String] = ["Iran"]) -> TaggedStory {
        var story = Story(id: id, headline: headline, body: "b", url: "https://news.example/\(id)", source: source, publishedAt: date("2026-06-01T00:00:00Z"))
        story.clusterID = cluster
        let entities = places.map { EntityTag(id: "place:\($0)", type: .place, name: $0, mentions: [], confidence: 0.9, reason: "gazetteer") }
        return TaggedStory(story: story, entities: entities, topics: [], tagger: "test")
    }

    func alert(_ subscription: Subscription, _ story: TaggedStory, _ store: SubscriptionStore) throws -> Alert {
        Alert(subscription: subscription, story: story, satisfied: [try Query(subscription.query).root], createdAt: store.clock.now())
    }

    func pendingIDs(_ store: SubscriptionStore) async throws -> [String] {
        try await store.outbox.deliveries(DeliveriesRequest(state: .pending, limit: 100)).map(\.id).sorted()
    }

    @Test("a daily digest at 08:00 Berlin holds the day's alerts, groups a story's outlets, is made once by two replicas, and a later outlet is one update")
    func dailyDigest() async throws {
        let path = NSTemporaryDirectory() + "notify-\(UUID().uuidString)/notify.sqlite"
        let one = try store(path, at: "2026-06-01T10:00:00Z")
        let two = try store(path, at: "2026-06-01T10:00:00Z")
        var schedule = DeliverySchedule(timeZone: "Europe/Berlin")
        try schedule.setDigest("daily@08:00")
        let subscription = try await one.subscribe("place:Iran", webhook: "mailto:ana@example.org", delivery: schedule).subscription
        try await two.refreshIfChanged()

        let first = story("s1", "Iran talks resume", source: "Wire A")
        let copy = story("s2", "Talks with Iran resume", source: "Wire B", cluster: "s1")
        let other = story("s3", "Oil prices rise", source: "Wire C")
        #expect(try await one.record([try alert(subscription, first, one), try alert(subscription, other, one)]) == 2)
        two.clock.set(date("2026-06-01T10:30:00Z"))
        #expect(try await two.recordCopies([try alert(subscription, copy, two)]) == 1)
        #expect(try await pendingIDs(one).isEmpty, "held, not sent")

        let preview = try await one.digests.digest(DigestRequest(id: subscription.id))
        #expect(preview.dueAt == date("2026-06-02T06:00:00Z") && preview.digest?.stories.count == 2 && !preview.sent)
        #expect(try await one.digests.makeIfDue(subscription.id) == nil, "not due before 08:00 Berlin")

        one.clock.set(date("2026-06-02T06:00:01Z"))
        two.clock.set(date("2026-06-02T06:00:01Z"))
        async let madeByOne = one.digests.makeIfDue(subscription.id)
        async let madeByTwo = two.digests.makeIfDue(subscription.id)
        let made = [try await madeByOne, try await madeByTwo].compactMap { $0 }
        #expect(made.count == 1, "one digest, whichever replica made it")
        let digest = try #require(made.first)
        let talks = try #require(digest.stories.first { $0.alertID == "\(subscription.id)/s1" })
        #expect(talks.outlets == ["Wire A", "Wire B"] && !talks.update && talks.newOutlets == ["Wire A", "Wire B"], "\(talks)")
        #expect(try await pendingIDs(one) == [digest.id])
        #expect(try await one.digests.makeIfDue(subscription.id) == nil, "nothing left")

        // Two more outlets the next day: one update, in the next digest, naming them.
        one.clock.set(date("2026-06-02T12:00:00Z"))
        let later = [story("s4", "Iran talks resume in Vienna", source: "Wire D", cluster: "s1"), story("s5", "Iran talks go on", source: "Wire E", cluster: "s1")]
        #expect(try await one.recordCopies(try later.map { try alert(subscription, $0, one) }) == 2)
        #expect(try await one.recordCopies([try alert(subscription, later[0], one)]) == 0, "an outlet counts once")
        one.clock.set(date("2026-06-03T06:00:05Z"))
        let update = try #require(try await one.digests.makeIfDue(subscription.id))
        #expect(update.stories.count == 1 && update.isUpdateOnly && Notice.digest(update).type == "story.updated")
        #expect(update.stories[0].outlets.count == 4 && update.stories[0].newOutlets == ["Wire D", "Wire E"])
        #expect(NoticeView(.digest(update)).subject == "Update: now carried by 4 outlets: Iran talks resume")
    }

    @Test("a cap sends the first N an hour and holds the rest for the next full hour; quiet hours hold everything until they end")
    func capAndQuietHours() async throws {
        let store = try store(at: "2026-06-01T10:05:00Z")
        let subscription = try await store.subscribe("place:Iran", webhook: "https://hooks.example/a", delivery: DeliverySchedule(maxPerHour: 2))
            .subscription
        let stories = (1...3).map { story("c\($0)", "Story \($0)", source: "Wire") }
        #expect(try await store.record(try stories.map { try alert(subscription, $0, store) }) == 3)
        #expect(try await pendingIDs(store) == ["\(subscription.id)/c1", "\(subscription.id)/c2"])
        #expect(try await store.digests.makeIfDue(subscription.id) == nil)
        store.clock.set(date("2026-06-01T11:00:00Z"))
        let overflow = try #require(try await store.digests.makeIfDue(subscription.id))
        #expect(overflow.stories.map(\.alertID) == ["\(subscription.id)/c3"] && !overflow.isUpdateOnly)

        let quiet = try await store.subscribe("place:Iran", webhook: "https://hooks.example/q", delivery: DeliverySchedule(quietHours: "22:00-07:00"))
            .subscription
        store.clock.set(date("2026-06-01T23:30:00Z"))
        #expect(try await store.record([try alert(quiet, story("q1", "Late story", source: "Wire"), store)]) == 1)
        store.clock.set(date("2026-06-02T06:59:00Z"))
        #expect(try await store.digests.makeIfDue(quiet.id) == nil, "still quiet")
        store.clock.set(date("2026-06-02T07:00:00Z"))
        #expect(try await store.digests.makeIfDue(quiet.id)?.stories.count == 1)
    }

    @Test("a spike fires once when the hourly count jumps, names the over-represented entities and words, and re-arms after the volume falls")
    func spike() async throws {
        let store = try store(at: "2026-06-01T00:00:00Z")
        let subscription = try await store.subscribe("place:Iran", webhook: "https://hooks.example/s", kind: .spike).subscription
        // Two days of one or two stories an hour.
        for hour in 0..<48 {
            store.clock.set(date("2026-06-01T00:30:00Z").addingTimeInterval(Double(hour) * 3600))
            let count = hour % 3 == 0 ? 2 : 1
            try await store.watches.observe((0..<count).map { WatchObservation(subscriptionID: subscription.id, story: story("b\(hour)-\($0)", "Talks on trade continue", source: "Wire")) })
            #expect(try await store.watches.evaluate(subscription) == nil, "hour \(hour) is no spike")
        }
        // Then 20 stories in one hour, most about a strike and Natanz.
        for index in 0..<20 {
            store.clock.set(date("2026-06-03T00:10:00Z").addingTimeInterval(Double(index) * 60))
            let places = index < 15 ? ["Iran", "Natanz"] : ["Iran"]
            try await store.watches.observe([WatchObservation(subscriptionID: subscription.id, story: story("x\(index)", "Drone strike hits Natanz site \(index)", source: "Wire \(index)", places: places))])
        }
        let notice = try #require(try await store.watches.evaluate(subscription))
        guard case .spike(let spike) = notice else { Issue.record("not a spike: \(notice)"); return }
        #expect(spike.count >= 20 && spike.baseline < 2 && spike.zScore > 3.5)
        #expect(spike.entities.map(\.term) == ["Natanz"], "\(spike.entities)")
        #expect(spike.words.map(\.term).contains("strike") && spike.words.map(\.term).contains("drone") && !spike.words.map(\.term).contains("talks"))
        #expect(spike.stories.count == 10)
        #expect(try await pendingIDs(store) == [spike.id])
        store.clock.set(date("2026-06-03T00:40:00Z"))
        #expect(try await store.watches.evaluate(subscription) == nil, "the same spike is not told twice")
        store.clock.set(date("2026-06-03T03:00:00Z"))
        #expect(try await store.watches.evaluate(subscription) == nil, "back to normal: re-armed")
        let state = try await store.pool.read { db in try Bool.fetchOne(db, sql: "SELECT armed FROM watch_state") }
        #expect(state == true)
    }

    @Test("the spike rule: 1 → 3 is no spike, 1 → 12 is, and a short history is not judged")
    func spikeRule() {
        let quiet = [Int](repeating: 1, count: 48)
        #expect(!SpikeDetector.judge(count: 3, hourly: quiet, sensitivity: .high).spike)
        #expect(SpikeDetector.judge(count: 12, hourly: quiet, sensitivity: .medium).spike)
        #expect(!SpikeDetector.judge(count: 9, hourly: quiet, sensitivity: .low).spike, "low needs ten stories")
        #expect(!SpikeDetector.judge(count: 30, hourly: [1, 1, 1], sensitivity: .high).spike, "fewer than 24 hours of history")
        let busy = (0..<48).map { $0 % 2 == 0 ? 20 : 30 }
        #expect(!SpikeDetector.judge(count: 40, hourly: busy, sensitivity: .medium).spike, "within a busy query's swing")
    }

    @Test("the spike rule knows the day's rhythm: a desk's usual morning is no spike, three times it is")
    func spikeRuleDailyRhythm() {
        // Three days of a business desk: 1 story an hour at night, 20 in each hour from 09:00 to 17:00.
        // The hourly counts end with the hour before the one judged, 09:00 on the fourth day.
        let day = (0..<24).map { (9..<18).contains($0) ? 20 : 1 }
        let history = Array((day + day + day + day).prefix(3 * 24 + 9))
        let usual = SpikeDetector.judge(count: 20, hourly: history, sensitivity: .high)
        #expect(!usual.spike && usual.mean >= 20, "the same hour on the past days expects 20: \(usual)")
        #expect(SpikeDetector.judge(count: 90, hourly: history, sensitivity: .medium).spike)
        // The moving average alone expects about 1.5 after a quiet night, and would call the morning a spike.
        #expect(SpikeDetector.movingBaseline(history).mean < 5)
    }

    @Test("the silence rule knows the day's rhythm: a desk asleep after 17:00 is no silence, a desk quiet at noon is")
    func silenceRuleDailyRhythm() {
        // Three days of a desk filing every ten minutes from 09:00 to 17:00, and the fourth morning until 10:00.
        let day = 86400.0
        let hours = 3600.0
        var arrivals = (0..<3).flatMap { d in stride(from: 9 * hours, through: 17 * hours, by: 600).map { Double(d) * day + $0 } }
        let evening = SilenceDetector.judge(arrivals, now: 2 * day + 20 * hours, factor: 4, historyStart: 0)
        #expect(evening?.silent == false && evening?.expectedStories == 0, "nothing came after 17:00 on the past days: \(String(describing: evening))")
        #expect(evening.map { 2 * day + 20 * hours - $0.lastStory >= 4 * $0.usualGap } == true, "the usual gap alone would call it a silence")
        arrivals += stride(from: 9 * hours, through: 10 * hours, by: 600).map { 3 * day + $0 }
        let noon = SilenceDetector.judge(arrivals, now: 3 * day + 12 * hours, factor: 4, historyStart: 0)
        #expect(noon?.silent == true && noon?.expectedStories == 12, "\(String(describing: noon))")
        // Before a whole day is known, the usual gap decides alone.
        let first = SilenceDetector.judge(Array(arrivals.prefix(20)), now: 5 * hours + 17 * hours, factor: 4, historyStart: 0)
        #expect(first?.silent == true && first?.expectedStories == nil)
    }

    @Test("hourly counts: the hour judged, then whole hours back to the subscription's start, oldest first")
    func spikeCounts() {
        let end = 100 * 3600.0
        let arrivals = [end, end - 10, end - 3600, end - 3601, end - 2 * 3600 - 1, end - 30 * 3600, end + 1]
        let (count, hourly) = SpikeDetector.counts(of: arrivals, windowEnd: end, historyStart: end - 4 * 3600 - 1800)
        #expect(count == 2, "(end − 1 h, end]; a later arrival is not counted")
        #expect(hourly == [0, 1, 2], "three whole hours after the start; too old is left out")
    }

    @Test("a source that goes quiet for four usual gaps is told once; its next story starts a new watch")
    func silence() async throws {
        let store = try store(at: "2026-06-01T00:00:00Z")
        let subscription = try await store.subscribe("source:\"Harbour Wire\"", webhook: "https://hooks.example/q", kind: .silence).subscription
        for index in 0..<10 {
            store.clock.set(date("2026-06-01T00:00:00Z").addingTimeInterval(Double(index) * 600))
            try await store.watches.observe([WatchObservation(subscriptionID: subscription.id, story: story("h\(index)", "Ship report \(index)", source: "Harbour Wire"))])
        }
        // The clock runs on between its settings, so the judgements keep a few minutes from the 40-minute line.
        store.clock.set(date("2026-06-01T02:05:00Z"))  // 35 minutes after the last: not yet 4 gaps of 10
        #expect(try await store.watches.evaluate(subscription) == nil)
        store.clock.set(date("2026-06-01T02:15:00Z"))
        let notice = try #require(try await store.watches.evaluate(subscription))
        guard case .silence(let silence) = notice else { Issue.record("not a silence"); return }
        #expect(abs(silence.usualGapSeconds - 600) < 5 && silence.factor == 4 && silence.lastStory?.id == "h9")
        store.clock.set(date("2026-06-01T05:00:00Z"))
        #expect(try await store.watches.evaluate(subscription) == nil, "told once")
    }

    @Test("a digest in Slack, Teams and ntfy: the summary, then each story with its link and outlets")
    func digestInChat() throws {
        let stories = (1...3).map { index in
            DigestStory(
                alertID: "sub_1/\(index)", headline: "Story <\(index)>", url: "https://news.example/\(index)", publishedAt: nil, outlets: ["Wire A", "Wire B"],
                newOutlets: index == 3 ? ["Wire B"] : ["Wire A", "Wire B"], update: index == 3, why: ["matched place:Iran"])
        }
        let digest = Digest(id: "dig_1_1", subscriptionID: "sub_1", query: "place:Iran", dueAt: date("2026-06-02T06:00:00Z"), createdAt: date("2026-06-02T06:00:00Z"), stories: stories)
        let slack = try JSONSerialization.jsonObject(with: Data(try WebhookPayload.render(.digest(digest), format: .slack, url: "https://hooks.example/s").body.utf8)) as? [String: Any]
        #expect(slack?["text"] as? String == "Digest: 2 new stories and 1 update for place:Iran")
        let blocks = slack?["blocks"] as? [[String: Any]] ?? []
        let sections = blocks.compactMap { ($0["text"] as? [String: Any])?["text"] as? String }
        #expect(sections.count == 4 && sections[1].contains("<https://news.example/1|Story &lt;1&gt;>") && sections[3].contains("update, now carried by 2 outlets"), "\(sections)")
        let teams = try WebhookPayload.render(.digest(digest), format: .teams, url: "https://hooks.example/t").body
        #expect(teams.contains("[Story <2>](https://news.example/2)"))
        let ntfy = try WebhookPayload.render(.digest(digest), format: .ntfy, url: "https://ntfy.example/newsroom")
        #expect(ntfy.url == "https://ntfy.example/" && ntfy.body.contains("Story <1> —") && ntfy.body.contains(#""click":"https://news.example/1""#))
        let standard = try WebhookPayload.render(.digest(digest), format: .standard, url: "https://hooks.example/w").body
        #expect(try JSONCoding.decoder().decode(Notice.self, from: Data(standard.utf8)) == .digest(digest) && standard.contains(#""type":"digest.created""#))
    }

    @Test("an unsubscribe link's token signs its subscription under its secret, and nothing else")
    func unsubscribeLink() throws {
        let secret = WebhookSignature.newSecret()
        let url = try #require(UnsubscribeLink.url(base: "https://news.example/unsubscribe", subscriptionID: "sub_1", secret: secret))
        let token = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "token" }?.value)
        #expect(url.hasPrefix("https://news.example/unsubscribe?subscription=sub_1&token=") && !token.contains("+") && !token.contains("="))
        #expect(UnsubscribeLink.verify(token, subscriptionID: "sub_1", secret: secret))
        #expect(!UnsubscribeLink.verify(token, subscriptionID: "sub_2", secret: secret))
        #expect(!UnsubscribeLink.verify(token, subscriptionID: "sub_1", secret: WebhookSignature.newSecret()))
        #expect(!UnsubscribeLink.verify(String(token.dropLast()), subscriptionID: "sub_1", secret: secret))
    }

    @Test("a digest's e-mail comes from the templates: every story with its outlets and link, HTML escaped by scalar")
    func digestMail() throws {
        let stories = [
            DigestStory(
                alertID: "sub_1/a", headline: "Quote\u{0022}\u{0301}<b>bold</b>", url: "https://news.example/a", publishedAt: nil, outlets: ["Wire A", "Wire B"],
                newOutlets: ["Wire A", "Wire B"], update: false, why: ["matched place:Iran"]),
            DigestStory(alertID: "sub_1/b", headline: "Second", url: "javascript:alert(1)", publishedAt: nil, outlets: ["Wire C"], newOutlets: ["Wire C"], update: false, why: []),
        ]
        let digest = Digest(id: "dig_1_1", subscriptionID: "sub_1", query: "place:Iran", dueAt: date("2026-06-02T06:00:00Z"), createdAt: date("2026-06-02T06:00:00Z"), stories: stories)
        let message = String(decoding: NoticeMail.message(.digest(digest), from: "alerts@news.example", to: "ana@example.org", unsubscribeURL: "https://news.example/u?subscription=sub_1&token=t"), as: UTF8.self)
        #expect(message.contains("Subject: Digest: 2 new stories for place:Iran") && message.contains("Message-ID: <dig_1_1@news-pipeline>"))
        let parts = message.components(separatedBy: "Content-Transfer-Encoding: base64").dropFirst().map { part in
            String(decoding: Data(base64Encoded: (part.components(separatedBy: "--news-").first ?? "").replacingOccurrences(of: "\r\n", with: "")) ?? Data(), as: UTF8.self)
        }
        #expect(parts.count == 2)
        #expect(parts[0].contains("2 outlets: Wire A, Wire B") && parts[0].contains("https://news.example/a") && !parts[0].contains("javascript:"))
        #expect(parts[1].contains("&quot;\u{0301}&lt;b&gt;bold&lt;/b&gt;") && !parts[1].contains("<b>bold"), "\(parts[1])")
        #expect(parts[1].contains("https://news.example/u?subscription=sub_1&amp;token=t") && message.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"))
    }
}
