import Foundation
import Testing

/// A simulated week through the real pipeline: two notify replicas on a simulated clock (set with
/// `newsctl clock set`), an SMTP server in its own process (aiosmtpd), a daily digest at 08:00 Berlin
/// time, story updates as more outlets carry a story, a spike on `place:Iran`, and a wire source that
/// goes quiet. Both replicas are stopped across one digest time and started after it, and the mail
/// server is down at another.
@Suite("Digests, updates, spikes and silences over a simulated week", .serialized, .timeLimit(.minutes(6)))
struct AlertScheduleTests {
    /// Words for story bodies drawn at random, so that distinct stories share almost no word pairs
    /// (the near-duplicate detector clusters only real copies).
    static let vocabulary = """
        harbour ministry council pipeline refinery border delegation envoy sanction tanker cargo shipment
        negotiator treaty summit parliament election ballot coalition budget deficit reserve currency
        inflation export import tariff quota grain wheat barley fertiliser drought reservoir dam river
        valley province capital district mayor governor militia convoy checkpoint airport runway terminal
        railway freight corridor port crane container customs inspector auditor court verdict appeal
        prosecutor witness testimony hearing committee chairman spokesman statement briefing bulletin
        satellite reactor enrichment centrifuge inspector agency monitor camera seal report finding
        protest march rally strike union wage pension clinic hospital vaccine outbreak ward nurse doctor
        school teacher exam university student scholarship museum archive manuscript festival cinema
        """.split(whereSeparator: \.isWhitespace).map(String.init)

    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        mutating func words(_ count: Int) -> String {
            (0..<count).map { _ in AlertScheduleTests.vocabulary[Int(next() % UInt64(AlertScheduleTests.vocabulary.count))] }.joined(separator: " ")
        }
    }

    static func line(id: String, headline: String, body: String, source: String, at: String) -> String {
        let object: [String: Any] = ["id": id, "headline": headline, "body": body, "source": source, "url": "https://news.example/\(id)", "publishedAt": at]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// The decoded text part of each message to `recipient`, with its subject and Message-ID.
    static func mails(_ out: String, to recipient: String) -> [(subject: String, id: String, text: String)] {
        EmailDeliveryTests.messages(out).filter { ($0["rcpt"] as? [String]) == [recipient] }.compactMap { message in
            guard let data = message["data"] as? String else { return nil }
            let header = { (name: String) in
                data.components(separatedBy: "\r\n").first { $0.hasPrefix(name + ": ") }.map { String($0.dropFirst(name.count + 2)) } ?? ""
            }
            let encoded = data.components(separatedBy: "Content-Transfer-Encoding: base64").dropFirst().first?
                .components(separatedBy: "--news-").first?.replacingOccurrences(of: "\r\n", with: "") ?? ""
            return (header("Subject"), header("Message-ID"), String(decoding: Data(base64Encoded: encoded) ?? Data(), as: UTF8.self))
        }
    }

    @Test("a week: one digest a day at 08:00 Berlin with each story's outlets and updates, one spike that says why, one silence; across two replicas, a restart and a mail server outage, nothing twice")
    func simulatedWeek() async throws {
        try await PipelineHarness.with { pipeline in
            let out = pipeline.runDirectory.appendingPathComponent("mail.jsonl").path
            let tls = try EmailDeliveryTests.certificate(in: pipeline.runDirectory)
            var server = try await EmailDeliveryTests.startServer(pipeline, name: "smtp", port: 0, tls: tls, out: out, plain: true)
            let notifyFlags = [
                "--smtp-url", "smtp://127.0.0.1:\(server.port)", "--smtp-from", "alerts@news.example", "--smtp-allow-plaintext",
                "--webhook-retry-base", "0.5",
            ]
            func startNotify(at time: String) throws {
                for replica in 0..<2 { try pipeline.startReplica("notify", replica, notifyFlags + ["--simulated-clock", time]) }
            }
            for stage in ["ingest", "tag", "index"] { try pipeline.start(stage) }
            try startNotify(at: "2026-06-01T05:00:00Z")
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0, "\(pipeline.logs())")

            func subscribe(_ arguments: [String]) async throws -> String {
                let made = try await pipeline.newsctl("subscribe", arguments)
                #expect(made.status == 0, "\(arguments): \(made.stderr)")
                return made.stdout.split(separator: "\n").first.map(String.init) ?? ""
            }
            // The analyst first subscribed for instant alerts, then moved to a daily e-mail at 08:00 Berlin.
            let digest = try await subscribe(["--email", "analyst@example.org", "place:Iran"])
            let moved = try await pipeline.newsctl("subscriptions update", [digest, "--digest", "daily@08:00", "--tz", "Europe/Berlin"])
            #expect(moved.status == 0 && moved.stdout.contains("daily@08:00 Europe/Berlin"), "\(moved.stdout)\(moved.stderr)")
            let spike = try await subscribe(["--email", "desk@example.org", "--spike", "place:Iran"])
            _ = try await subscribe(["--email", "ops@example.org", "--silence", #"source:"Harbour Wire""#])
            let refused = try await pipeline.newsctl("subscribe", ["--digest", "daily@8am", "--email", "a@example.org", "place:Iran"])
            #expect(refused.status != 0 && refused.stderr.contains("HH:MM"), "\(refused.stderr)")

            var generator = Generator(state: 16)
            var published = 0
            var expectedWatched = 0
            var expectedAlerts = 0
            var bodies: [String: String] = [:]
            var alertsBeforeRestart = 0
            var watchedBeforeRestart = 0
            func publish(_ lines: [String], alerts: Int, watched: Int) async throws {
                published += 1
                let file = try pipeline.write("batch-\(published).jsonl", lines.joined(separator: "\n") + "\n")
                let result = try await pipeline.newsctl("publish", [file.path])
                #expect(result.status == 0, "\(result.stderr)")
                expectedAlerts += alerts
                expectedWatched += watched
                // Counters start again with a restarted replica: only what came since counts. One status call
                // a poll, every 200 ms: each is a newsctl process, and other suites share the two cores.
                var processed = false
                for _ in 0..<150 where !processed {
                    let statuses = try await pipeline.statuses("notify")
                    let total = { (name: String) in statuses.reduce(0) { $0 + (($1["counters"] as? [String: Any])?[name] as? Int ?? 0) } }
                    processed = total("alerts") >= expectedAlerts - alertsBeforeRestart && total("watched") >= expectedWatched - watchedBeforeRestart
                    if !processed { try await Task.sleep(for: .milliseconds(200)) }
                }
                #expect(processed, "batch \(published) not matched: \(pipeline.logs())")
            }
            func setClock(_ time: String) async throws {
                let set = try await pipeline.newsctl("clock set", [time])
                #expect(set.status == 0 && set.stdout.split(separator: "\n").count == 2, "both replicas: \(set.stdout)\(set.stderr)")
            }

            var expectedDigests: [(day: Int, headlines: [String], carried: [String], update: String?)] = []
            for day in 0..<7 {
                let date = String(format: "2026-06-%02d", day + 1)
                // 08:00 UTC (10:00 Berlin): two Iran stories, the first carried by three outlets; from the
                // second day, a fourth outlet carries the day before's first story (an update).
                try await setClock("\(date)T08:00:00Z")
                let first = "Iran day \(day + 1): \(generator.words(4))"
                let second = "Iran day \(day + 1) second: \(generator.words(4))"
                let firstBody = "Iran " + generator.words(45)
                bodies["d\(day)-a"] = firstBody
                var lines = [
                    Self.line(id: "d\(day)-a", headline: first, body: firstBody, source: "Wire A", at: "\(date)T07:55:00Z"),
                    Self.line(id: "d\(day)-a-b", headline: first + " (update)", body: firstBody + " More to follow.", source: "Wire B", at: "\(date)T07:58:00Z"),
                    Self.line(id: "d\(day)-a-c", headline: first, body: firstBody + " Reporting by staff.", source: "Wire C", at: "\(date)T07:59:00Z"),
                    Self.line(id: "d\(day)-b", headline: second, body: "Iran " + generator.words(45), source: "Wire B", at: "\(date)T07:57:00Z"),
                ]
                if day > 0, let previous = bodies["d\(day - 1)-a"] {
                    lines.append(Self.line(id: "d\(day)-late", headline: "Late: Iran day \(day)", body: previous + " Picked up today.", source: "Wire D", at: "\(date)T07:59:30Z"))
                }
                // Spike subscription: two clusters a day; the copies are the same clusters.
                try await publish(lines, alerts: 2, watched: lines.count)
                expectedDigests.append((day, [first, second], ["carried by 3 outlets: ", "Wire A", "Wire B", "Wire C"], day > 0 ? "new: Wire D" : nil))

                // The harbour wire files three times a day for four days, then falls silent.
                for hour in ["08", "14", "20"] where day < 4 {
                    if hour != "08" { try await setClock("\(date)T\(hour):00:00Z") }
                    try await publish(
                        [Self.line(id: "h\(day)-\(hour)", headline: "Harbour traffic \(generator.words(3))", body: generator.words(30), source: "Harbour Wire", at: "\(date)T\(hour):00:00Z")],
                        alerts: 0, watched: 1)
                }
                if day == 4 {
                    // 11:00 UTC on day five: a burst of twelve distinct Iran stories about a drone strike.
                    try await setClock("\(date)T11:00:00Z")
                    let burst = (0..<12).map { index in
                        Self.line(
                            id: "burst-\(index)", headline: "Drone strike reported near Iran facility \(generator.words(2))", body: "Iran " + generator.words(40),
                            source: "Outlet \(index)", at: "\(date)T10:5\(index % 10):00Z")
                    }
                    try await publish(burst, alerts: 12, watched: 12)
                    expectedDigests[day].headlines += ["Drone strike reported near Iran facility"]
                    #expect(try await eventually(timeout: .seconds(20)) { Self.mails(out, to: "desk@example.org").count == 1 }, "the spike: \(pipeline.logs())")
                    // Silence: the harbour wire's last story was at 20:00 the day before, its usual gap 6 hours.
                    try await setClock("\(date)T20:30:00Z")
                    #expect(try await eventually(timeout: .seconds(20)) { Self.mails(out, to: "ops@example.org").count == 1 }, "the silence")
                }
                let next = String(format: "2026-06-%02d", day + 2)
                if day == 2 {
                    // Both replicas stop before the digest is due and start after it: it goes out when they do.
                    for replica in 0..<2 { pipeline.child("notify-\(replica)")?.signal(SIGTERM) }
                    for replica in 0..<2 { _ = await pipeline.child("notify-\(replica)")?.waitForExit(timeout: .seconds(10)) }
                    try startNotify(at: "\(next)T07:30:00Z")
                    (alertsBeforeRestart, watchedBeforeRestart) = (expectedAlerts, expectedWatched)
                } else if day == 5 {
                    // The mail server is down when the digest falls due: it waits in the outbox and goes once it is back.
                    server.child.signal(SIGTERM)
                    _ = await server.child.waitForExit(timeout: .seconds(5))
                    try await setClock("\(next)T06:00:30Z")
                    var waiting = false
                    for _ in 0..<100 where !waiting {
                        waiting = try await pipeline.newsctl("deliveries", ["--pending"]).stdout.contains("analyst@example.org")
                        if !waiting { try await Task.sleep(for: .milliseconds(200)) }
                    }
                    #expect(waiting, "the digest waits for the server")
                    try await Task.sleep(for: .seconds(2))
                    #expect(Self.mails(out, to: "analyst@example.org").count == day, "nothing sent while the server is down")
                    server = try await EmailDeliveryTests.startServer(pipeline, name: "smtp-again", port: server.port, tls: tls, out: out, plain: true)
                } else {
                    // 08:00:30 Berlin the next morning.
                    try await setClock("\(next)T06:00:30Z")
                }
                let arrived = try await eventually(timeout: .seconds(30)) { Self.mails(out, to: "analyst@example.org").count == day + 1 }
                #expect(arrived, "day \(day + 1)'s digest: \(Self.mails(out, to: "analyst@example.org").map(\.subject))\n\(pipeline.logs())")
            }
            try await Task.sleep(for: .seconds(2))

            // Every mail's subject and text part, for reading (.build/test-artifacts/alert-week/).
            let artifacts = PipelineHarness.repositoryRoot.appendingPathComponent(".build/test-artifacts/alert-week")
            try? FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
            for recipient in ["analyst@example.org", "desk@example.org", "ops@example.org"] {
                let text = Self.mails(out, to: recipient).map { "Subject: \($0.subject)\nMessage-ID: \($0.id)\n\n\($0.text)" }.joined(separator: "\n\n======\n\n")
                try? text.write(to: artifacts.appendingPathComponent("\(recipient).txt"), atomically: true, encoding: .utf8)
            }

            let digests = Self.mails(out, to: "analyst@example.org")
            #expect(digests.count == 7, "one mail a day: \(digests.map(\.subject))")
            #expect(Set(digests.map(\.id)).count == digests.count, "none twice")
            for (mail, expected) in zip(digests, expectedDigests) {
                #expect(mail.subject.hasPrefix("Digest: \(expected.headlines.count + (expected.day == 4 ? 11 : 0)) new stories"), "day \(expected.day + 1): \(mail.subject)")
                for headline in expected.headlines + expected.carried { #expect(mail.text.contains(headline), "day \(expected.day + 1) lacks \(headline):\n\(mail.text)") }
                if let update = expected.update {
                    #expect(mail.subject.contains("and 1 update") && mail.text.contains("update, now carried by 4 outlets") && mail.text.contains(update), "day \(expected.day + 1): \(mail.text)")
                }
            }
            let spikes = Self.mails(out, to: "desk@example.org")
            #expect(spikes.count == 1, "one spike: \(spikes.map(\.subject))")
            if let mail = spikes.first {
                #expect(mail.subject.hasPrefix("Spike: ") && mail.subject.contains("place:Iran") && mail.text.contains("baseline"), "\(mail.subject)\n\(mail.text)")
                #expect(mail.text.contains("Words most over-represented: ") && mail.text.contains("drone"), "\(mail.text)")
                #expect(mail.text.contains("https://news.example/burst-"), "links to the spike's stories")
            }
            let silences = Self.mails(out, to: "ops@example.org")
            #expect(silences.count == 1 && silences.first?.subject.contains(#"source:"Harbour Wire""#) == true, "\(silences.map(\.subject))")
            #expect(silences.first?.text.contains("usual gap between its stories is 6 h") == true, "\(silences.first?.text ?? "")")
            // Three stories a day at those hours; a match's time is notify's clock when it came, a few seconds
            // after the hour, so the stretch's edge at 20:00 may take in an earlier day's 20:00 story too.
            let expected = silences.first?.text.components(separatedBy: "At these hours on the past days it had ").dropFirst().first
                .flatMap { Double($0.prefix { $0 == "." || $0.isNumber }) }
            #expect(expected.map { (3...4).contains($0) } == true, "\(silences.first?.text ?? "")")

            let preview = try await pipeline.newsctl("digest", [digest, "--preview"])
            #expect(preview.status == 0 && preview.stdout.contains("nothing held"), "\(preview.stdout)\(preview.stderr)")
            _ = spike
        }
    }
}
