import Foundation
import Testing

/// E-mail alerts against a real SMTP server in its own process (aiosmtpd, Support/smtp_server.py):
/// STARTTLS and AUTH required, a recipient refused, the server down for a while and then hanging.
@Suite("E-mail alerts over SMTP", .serialized, .timeLimit(.minutes(4)))
struct EmailDeliveryTests {
    /// A self-signed certificate for 127.0.0.1, which notify is told to trust.
    static func certificate(in directory: URL) throws -> (cert: String, key: String) {
        let cert = directory.appendingPathComponent("smtp-cert.pem").path
        let key = directory.appendingPathComponent("smtp-key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        #expect(openssl.terminationStatus == 0, "openssl could not make a certificate")
        return (cert, key)
    }

    /// Starts the SMTP server (or, with `hang`, one that never greets) on `port` (0: any free one).
    static func startServer(
        _ pipeline: PipelineHarness, name: String, port: Int, tls: (cert: String, key: String), out: String, hang: Bool = false,
        plain: Bool = false
    ) async throws -> (child: ChildProcess, port: Int) {
        let script = PipelineHarness.repositoryRoot.appendingPathComponent("Tests/PipelineTests/Support/smtp_server.py").path
        let child = try pipeline.startProcess(
            name: name, executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: ["python3", script, "--port", "\(port)", "--cert", tls.cert, "--key", tls.key, "--user", "alerts", "--password", "s3cret",
                "--out", out] + (hang ? ["--hang"] : []) + (plain ? ["--plain"] : []))
        #expect(try await eventually { Int(child.stdout.split(separator: "\n").first ?? "") != nil }, "the SMTP server: \(child.stderr)")
        return (child, Int(child.stdout.split(separator: "\n").first ?? "") ?? 0)
    }

    static func messages(_ out: String) -> [[String: Any]] {
        ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    static func story(_ id: String, _ headline: String) -> String {
        #"{"id": "\#(id)", "headline": "\#(headline)", "url": "https://news.example/\#(id)", "body": "Snow fell across the region; \#(id).", "source": "Weather Desk"}"#
    }

    @Test("alerts are mailed with STARTTLS and AUTH, text and HTML, Message-ID and List-Unsubscribe; a refused recipient is a dead letter; through an outage and a hanging server every mail arrives once")
    func mail() async throws {
        try await PipelineHarness.with { pipeline in
            let tls = try Self.certificate(in: pipeline.runDirectory)
            let out = pipeline.runDirectory.appendingPathComponent("mail.jsonl").path
            var server = try await Self.startServer(pipeline, name: "smtp", port: 0, tls: tls, out: out)
            let credentials = try pipeline.write("smtp-credentials", "alerts\ns3cret\n")
            for stage in ["ingest", "tag", "index"] { try pipeline.start(stage) }
            try pipeline.start(
                "notify",
                [
                    "--smtp-url", "smtp://127.0.0.1:\(server.port)", "--smtp-from", "alerts@news.example", "--smtp-credentials", credentials.path,
                    "--smtp-ca", tls.cert, "--smtp-timeout", "3", "--smtp-unsubscribe-url", "https://news.example/unsubscribe",
                    "--webhook-retry-base", "0.5", "--webhook-max-attempts", "20",
                ])
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0, "\(pipeline.logs())")
            let bad = try await pipeline.newsctl("subscribe", ["--email", "not an address", "storm"])
            #expect(bad.status != 0 && bad.stderr.contains("not an e-mail address"), "\(bad.stderr)")
            let made = try await pipeline.newsctl("subscribe", ["--email", "ana@example.org", "storm"])
            #expect(made.status == 0, "\(made.stderr)")
            let subscription = try #require(made.stdout.split(separator: "\n").first.map(String.init))
            #expect(try await pipeline.newsctl("subscribe", ["--email", "bounce@example.org", "storm"]).status == 0)

            let first = try pipeline.write("storm-1.jsonl", Self.story("mail-1", "Winter storm closes schools") + "\n")
            #expect(try await pipeline.newsctl("publish", [first.path]).status == 0)
            #expect(try await eventually(timeout: .seconds(30)) { Self.messages(out).count >= 1 }, "no mail: \(pipeline.logs())")
            let mail = try #require(Self.messages(out).first)
            #expect((mail["rcpt"] as? [String]) == ["ana@example.org"] && mail["from"] as? String == "alerts@news.example")
            let data = try #require(mail["data"] as? String)
            for header in [
                "Subject: Alert: Winter storm closes schools", "Message-ID: <\(subscription).mail-1@news-pipeline>",
                "List-Unsubscribe: <https://news.example/unsubscribe?subscription=\(subscription)&token=",
                ">, <mailto:alerts@news.example?subject=unsubscribe%20\(subscription)>",
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "Content-Type: multipart/alternative", "Date: ",
            ] {
                #expect(data.contains(header), "no \(header) in\n\(data.prefix(1200))")
            }
            let parts = data.components(separatedBy: "Content-Transfer-Encoding: base64").dropFirst().map { part in
                let encoded = part.components(separatedBy: "--news-").first?.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "") ?? ""
                return String(decoding: Data(base64Encoded: encoded) ?? Data(), as: UTF8.self)
            }
            #expect(parts.count == 2, "a text and an HTML part")
            #expect(parts.first?.contains("Why you are told") == true && parts.first?.contains("https://news.example/mail-1") == true)
            #expect(parts.last?.contains(#"<a href="https://news.example/mail-1">Winter storm closes schools</a>"#) == true, "\(parts.last ?? "")")

            // The refused recipient: 550 is for good, a dead letter at once.
            let bounced = try await eventually {
                try await pipeline.newsctl("deliveries", ["--dead"]).stdout.contains("bounce@example.org")
            }
            let listed = try await pipeline.newsctl("deliveries", [])
            #expect(bounced, "\(listed.stdout)")

            // The server goes down; a second alert waits and is retried.
            server.child.signal(SIGTERM)
            _ = await server.child.waitForExit(timeout: .seconds(5))
            let second = try pipeline.write("storm-2.jsonl", Self.story("mail-2", "Storm cuts power to ten towns") + "\n")
            #expect(try await pipeline.newsctl("publish", [second.path]).status == 0)
            #expect(try await eventually(timeout: .seconds(30)) {
                try await pipeline.newsctl("deliveries", ["--pending"]).stdout.contains("ana@example.org")
            })
            try await Task.sleep(for: .seconds(2))
            // Then it hangs (accepts, never greets): attempts time out after 3 s and are retried.
            let hanging = try await Self.startServer(pipeline, name: "smtp-hang", port: server.port, tls: tls, out: out, hang: true)
            try await Task.sleep(for: .seconds(5))
            let waiting = try await pipeline.newsctl("deliveries", ["--pending", "--json"])
            #expect(waiting.stdout.contains("ana@example.org"), "the second alert waits: \(waiting.stdout)")
            hanging.child.signal(SIGKILL)
            _ = await hanging.child.waitForExit(timeout: .seconds(5))
            // Back up: the second alert arrives, once; the first is not sent again.
            server = try await Self.startServer(pipeline, name: "smtp-again", port: server.port, tls: tls, out: out)
            #expect(try await eventually(timeout: .seconds(60)) { Self.messages(out).count >= 2 }, "\(pipeline.logs())")
            try await Task.sleep(for: .seconds(2))
            let ids = Self.messages(out).compactMap { ($0["data"] as? String)?.components(separatedBy: "Message-ID: <").dropFirst().first?.prefix { $0 != ">" } }
            #expect(ids.map(String.init) == ["\(subscription).mail-1@news-pipeline", "\(subscription).mail-2@news-pipeline"], "each mail once: \(ids)")
        }
    }

    @Test("a server without STARTTLS is refused unless --smtp-allow-plaintext says a local one is fine")
    func plaintextNeedsConsent() async throws {
        try await PipelineHarness.with { pipeline in
            let tls = try Self.certificate(in: pipeline.runDirectory)
            let out = pipeline.runDirectory.appendingPathComponent("plain.jsonl").path
            let server = try await Self.startServer(pipeline, name: "smtp-plain", port: 0, tls: tls, out: out, plain: true)
            for stage in ["ingest", "tag", "index"] { try pipeline.start(stage) }
            let options = ["--smtp-url", "smtp://127.0.0.1:\(server.port)", "--smtp-from", "alerts@news.example", "--webhook-retry-base", "0.5"]
            try pipeline.start("notify", options)
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0)
            #expect(try await pipeline.newsctl("subscribe", ["--email", "ana@example.org", "storm"]).status == 0)
            let file = try pipeline.write("plain-story.jsonl", Self.story("plain-1", "Storm floods the harbour road") + "\n")
            #expect(try await pipeline.newsctl("publish", [file.path]).status == 0)
            let refused = try await eventually(timeout: .seconds(30)) {
                try await pipeline.newsctl("deliveries", []).stdout.contains("STARTTLS")
            }
            let shown = try await pipeline.newsctl("deliveries", [])
            #expect(refused, "\(shown.stdout)")
            #expect(Self.messages(out).isEmpty, "mailed in plaintext without consent")
            // With consent, the waiting alert goes.
            pipeline.child("notify")?.signal(SIGTERM)
            _ = await pipeline.child("notify")?.waitForExit(timeout: .seconds(10))
            try pipeline.start("notify", as: "notify", options + ["--smtp-allow-plaintext"])
            #expect(try await eventually(timeout: .seconds(40)) { Self.messages(out).count == 1 }, "\(pipeline.logs())")
        }
    }

    @Test("a recipient gets at most --smtp-max-per-hour mails an hour; the rest wait in the outbox, none dropped, another recipient unaffected")
    func perRecipientLimit() async throws {
        try await PipelineHarness.with { pipeline in
            let tls = try Self.certificate(in: pipeline.runDirectory)
            let out = pipeline.runDirectory.appendingPathComponent("limited.jsonl").path
            let server = try await Self.startServer(pipeline, name: "smtp-limit", port: 0, tls: tls, out: out, plain: true)
            for stage in ["ingest", "tag", "index"] { try pipeline.start(stage) }
            try pipeline.start(
                "notify",
                ["--smtp-url", "smtp://127.0.0.1:\(server.port)", "--smtp-from", "alerts@news.example", "--smtp-allow-plaintext", "--smtp-max-per-hour", "2"])
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0)
            #expect(try await pipeline.newsctl("subscribe", ["--email", "ana@example.org", "storm"]).status == 0)
            #expect(try await pipeline.newsctl("subscribe", ["--email", "ben@example.org", "harbour"]).status == 0)
            // Distinct stories (not near-duplicates of one another, which would make one alert).
            let bodies = [
                "A storm brought hail to the northern valley farms overnight.", "Ferry crossings stopped as the storm reached the western isles.",
                "The storm cut power to two hospitals, which ran on generators.", "Schools reopened after the storm, with buses on winter routes.",
            ]
            let stories = bodies.enumerated().map { index, body in
                #"{"id": "limit-\#(index)", "headline": "Storm report \#(index + 1)", "body": "\#(body)", "source": "Weather Desk"}"#
            } + [Self.story("limit-h", "Harbour closed for the day")]
            #expect(try await pipeline.newsctl("publish", [try pipeline.write("limit.jsonl", stories.joined(separator: "\n") + "\n").path]).status == 0)
            #expect(try await eventually(timeout: .seconds(30)) { Self.messages(out).count >= 3 }, "\(pipeline.logs())")
            try await Task.sleep(for: .seconds(3))
            let mails = Self.messages(out)
            #expect(mails.filter { ($0["rcpt"] as? [String]) == ["ana@example.org"] }.count == 2, "two for ana within the hour")
            #expect(mails.filter { ($0["rcpt"] as? [String]) == ["ben@example.org"] }.count == 1, "ben's limit is his own")
            let waiting = try await pipeline.newsctl("deliveries", ["--pending"])
            #expect(waiting.stdout.components(separatedBy: "mailto:ana@example.org").count - 1 == 2, "the other two wait: \(waiting.stdout)")
            #expect(waiting.stdout.contains("had 2 e-mails in the last hour (at most 2); waiting"), "\(waiting.stdout)")
        }
    }
}
