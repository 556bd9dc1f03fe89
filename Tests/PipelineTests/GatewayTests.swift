import Foundation
import Testing

/// The gateway as a program in another language sees it: real stages, a real gateway on a free port,
/// and a Python client that knows nothing but HTTP (Support/gateway_client.py), checking every
/// response against docs/openapi.yaml.
@Suite("The HTTP gateway", .serialized, .timeLimit(.minutes(4)))
struct GatewayTests {
    /// Makes a token with newsctl and returns it.
    static func token(_ pipeline: PipelineHarness, scopes: [String], owner: String?) async throws -> String {
        let arguments = scopes.flatMap { ["--scope", $0] } + (owner.map { ["--owner", $0] } ?? []) + ["--json"]
        let made = try await pipeline.newsctl("tokens create", arguments)
        #expect(made.status == 0, "tokens create: \(made.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any]
        return try #require(object?["token"] as? String, "tokens create --json printed \(made.stdout)")
    }

    /// Starts the gateway on a free port and returns its URL, as it wrote it to the run directory.
    static func startGateway(_ pipeline: PipelineHarness, instance: String = "gateway-0") async throws -> String {
        try pipeline.start("gateway", as: instance, ["--http", "127.0.0.1:0", "--instance", instance])
        let file = pipeline.runDirectory.appendingPathComponent("\(instance).http")
        #expect(try await eventually { FileManager.default.fileExists(atPath: file.path) }, "\(pipeline.logs())")
        return try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs a Python script from Support/ with `environment` added; returns its status and output.
    static func runPython(_ script: String, _ environment: [String: String]) async throws -> (status: Int32, output: String) {
        let root = PipelineHarness.repositoryRoot
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("Tests/PipelineTests/Support/\(script)").path]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = await Task.detached { String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }.value
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test("the web console in Chromium: sign in, search with highlights, preview and subscribe, and an alert published through the API appears live without a reload; a screenshot of each page")
    func consoleInBrowser() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()
            let url = try await Self.startGateway(pipeline)
            let admin = try await Self.token(pipeline, scopes: ["admin"], owner: "console")
            let artifacts = ProcessInfo.processInfo.environment["NEWS_TEST_ARTIFACTS"]
                ?? PipelineHarness.repositoryRoot.appendingPathComponent(".build/test-artifacts").path
            let run = try await Self.runPython(
                "console_browser.py", ["GATEWAY_URL": url, "TOKEN": admin, "ARTIFACTS": artifacts + "/console", "RUN_DIR": pipeline.runDirectory.path])
            #expect(run.status == 0, "the browser: \(run.output)\n\(pipeline.logs())")
            for page in ["sign-in", "search", "subscribe-preview", "subscriptions", "alerts-live", "deliveries", "feeds", "status", "search-phone"] {
                #expect(FileManager.default.fileExists(atPath: "\(artifacts)/console/\(page).png"), "no screenshot of \(page)")
            }
        }
    }

    @Test("a Python client publishes, searches, subscribes and follows alerts over HTTP alone; owners are kept apart; every response fits openapi.yaml")
    func pythonClient() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()
            let url = try await Self.startGateway(pipeline)
            let admin = try await Self.token(pipeline, scopes: ["admin"], owner: nil)
            let alice = try await Self.token(pipeline, scopes: ["read", "publish", "subscribe"], owner: "alice")
            let bob = try await Self.token(pipeline, scopes: ["read", "publish", "subscribe"], owner: "bob")
            let listed = try await pipeline.newsctl("tokens list", [])
            #expect(listed.stdout.contains("alice") && !listed.stdout.contains(alice), "tokens list shows owners, never secrets")

            let root = PipelineHarness.repositoryRoot
            let run = try await Self.runPython(
                "gateway_client.py",
                [
                    "GATEWAY_URL": url, "OPENAPI": root.appendingPathComponent("docs/openapi.yaml").path, "ADMIN_TOKEN": admin,
                    "ALICE_TOKEN": alice, "BOB_TOKEN": bob,
                ])
            #expect(run.status == 0, "the Python client: \(run.output)\n\(pipeline.logs())")

            // Revoked through newsctl: refused from then on.
            let carol = try await Self.token(pipeline, scopes: ["read"], owner: nil)
            let id = String(carol.split(separator: "_").prefix(2).joined(separator: "_"))
            #expect(try await pipeline.newsctl("tokens revoke", [id]).status == 0)
            #expect(try await pipeline.newsctl("tokens list", []).stdout.contains("revoked"))
        }
    }
}

/// Every process of the pipeline exposes Prometheus metrics and health, and can log JSON.
@Suite("Metrics, health and logs", .serialized, .timeLimit(.minutes(3)))
struct TelemetryTests {
    @Test("every stage replica and the gateway serve /metrics (parsed by prometheus-client), /healthz and /readyz; logs can be JSON, one object per line")
    func everyProcessIsScraped() async throws {
        try await PipelineHarness.with { pipeline in
            for stage in PipelineHarness.stages {
                try pipeline.start(stage, ["--metrics", "127.0.0.1:0", "--log-format", "json"])
            }
            #expect(try await pipeline.newsctl("status", ["--wait", "30"], timeout: .seconds(40)).status == 0, "\(pipeline.logs())")
            try pipeline.start("gateway", ["--http", "127.0.0.1:0", "--metrics", "127.0.0.1:0"])
            #expect(try await eventually { FileManager.default.fileExists(atPath: pipeline.runDirectory.appendingPathComponent("gateway-0.http").path) })
            let subscription = try await pipeline.newsctl("subscribe", ["place:Iran"])
            #expect(subscription.status == 0)
            let file = try pipeline.write(
                "metrics.jsonl",
                (0..<20).map { #"{"id": "m-\#($0)", "headline": "Iran story \#($0) on shipping", "body": "Tankers left Bandar Abbas, round \#($0)."}"# }
                    .joined(separator: "\n") + "\n")
            let quiet = try await pipeline.newsctl("publish", [file.path])
            #expect(quiet.status == 0)
            #expect(!quiet.stderr.contains("stories/s"), "publish draws progress when stderr is not a terminal: \(quiet.stderr)")
            // On a terminal (script(1) gives it one), publish shows its progress.
            let big = try pipeline.write(
                "progress.jsonl",
                (0..<3_000).map { #"{"id": "p-\#($0)", "headline": "Progress story \#($0)", "body": "Body \#($0) of the progress file."}"# }
                    .joined(separator: "\n") + "\n")
            let terminal = try pipeline.startProcess(
                name: "publish-on-a-terminal", executable: URL(fileURLWithPath: "/usr/bin/script"),
                arguments: ["-qec", "\(pipeline.executable("newsctl").path) publish --run-dir \(pipeline.runDirectory.path) \(big.path)", "/dev/null"])
            #expect(await terminal.waitForExit(timeout: .seconds(60)) == 0)
            #expect(terminal.stdout.contains("stories/s") && terminal.stdout.contains("left") && terminal.stdout.contains("accepted 3000"),
                "publish on a terminal: \(terminal.stdout.suffix(500))")
            #expect(try await eventually { try await pipeline.counter("notify", "alerts") >= 1 })  // the copies are one cluster: one alert
            #expect(try await pipeline.newsctl("search", ["iran"]).status == 0)
            // The gateway counts its own requests.
            let url = try String(contentsOf: pipeline.runDirectory.appendingPathComponent("gateway-0.http"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            _ = try? Data(contentsOf: URL(string: url + "/healthz")!)

            let run = try await GatewayTests.runPython("scrape_metrics.py", ["RUN_DIR": pipeline.runDirectory.path])
            #expect(run.status == 0, "scraping: \(run.output)\n\(pipeline.logs())")

            for stage in PipelineHarness.stages {
                let lines = (pipeline.child(stage)?.stderr ?? "").split(separator: "\n")
                #expect(!lines.isEmpty)
                for line in lines {
                    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    #expect(object?["message"] != nil && object?["level"] != nil, "\(stage) wrote a log line that is not a JSON object: \(line)")
                }
            }
        }
    }
}

/// The live streams' promises: a cursor resumes with nothing missed and nothing twice, across a
/// gateway restart and on another gateway replica; a client that cannot keep up is cut off with a last
/// event that says where to resume.
@Suite("Live streams that resume", .serialized, .timeLimit(.minutes(6)))
struct LiveStreamTests {
    /// Events a sse_read.py run printed.
    static func events(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["event"] != nil }
    }

    static func storyIDs(_ events: [[String: Any]], event: String) -> [String] {
        events.filter { $0["event"] as? String == event }.compactMap {
            (($0["data"] as? [String: Any])?["story"] as? [String: Any])?["id"] as? String
        }
    }

    static func publish(_ pipeline: PipelineHarness, _ id: String, _ headline: String) async throws {
        let file = try pipeline.write("\(id).jsonl", #"{"id": "\#(id)", "headline": "\#(headline)", "body": "\#(headline). Officials in Tehran confirmed it."}"# + "\n")
        #expect(try await pipeline.newsctl("publish", [file.path]).status == 0)
    }

    @Test("a cursor resumes after a gateway restart, and on another gateway, with exactly the alerts missed")
    func resumeAcrossRestart() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()
            let first = try await GatewayTests.startGateway(pipeline, instance: "gateway-0")
            let second = try await GatewayTests.startGateway(pipeline, instance: "gateway-1")
            let token = try await GatewayTests.token(pipeline, scopes: ["admin"], owner: nil)
            let subscribed = try await pipeline.newsctl("subscribe", ["place:Iran"])
            let subscription = subscribed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let stream = "\(first)/v1/alerts/stream?subscription=\(subscription)"

            // A client that leaves before its first event resumes from the connected event's id, and
            // gets what notify made meanwhile.
            let opened = try await GatewayTests.runPython("sse_read.py", ["URL": stream, "TOKEN": token, "COUNT": "0", "SECONDS": "20"])
            let status = try #require(opened.output.split(separator: "\n").first.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
            let start = try #require(status["connected"] as? String, "no id on the connected event: \(opened.output)")
            #expect(start.hasPrefix("notify-0:"), "\(start)")
            try await Self.publish(pipeline, "resume-0", "Iran names a new oil minister")
            #expect(try await eventually { try await pipeline.counter("notify", "alerts") >= 1 })
            let caughtUp = try await GatewayTests.runPython(
                "sse_read.py", ["URL": stream, "TOKEN": token, "LAST_EVENT_ID": start, "COUNT": "1", "SECONDS": "20"])
            #expect(Self.storyIDs(Self.events(caughtUp.output), event: "alert") == ["resume-0"], "\(caughtUp.output)")

            let ready = pipeline.runDirectory.appendingPathComponent("stream-ready").path
            async let reading = GatewayTests.runPython(
                "sse_read.py",
                ["URL": stream, "TOKEN": token, "COUNT": "1", "SECONDS": "40", "READY_FILE": ready])
            #expect(try await eventually(timeout: .seconds(20)) { FileManager.default.fileExists(atPath: ready) })
            try await Self.publish(pipeline, "resume-1", "Iran reopens the Jask terminal")
            let firstRead = try await reading
            let seen = Self.events(firstRead.output)
            #expect(Self.storyIDs(seen, event: "alert") == ["resume-1"], "\(firstRead.output)")
            let cursor = try #require(seen.first?["id"] as? String)

            // The gateway goes away; two alerts fire meanwhile; it comes back on another port.
            pipeline.child("gateway-0")?.signal(SIGTERM)
            #expect(await pipeline.child("gateway-0")?.waitForExit(timeout: .seconds(10)) != nil)
            try await Self.publish(pipeline, "resume-2", "Iran and Qatar sign a gas deal")
            try await Self.publish(pipeline, "resume-3", "Iran's central bank holds its rate")
            #expect(try await eventually { try await pipeline.counter("notify", "alerts") >= 4 })
            let restarted = try await GatewayTests.startGateway(pipeline, instance: "gateway-0")

            for url in [restarted, second] {
                let resumed = try await GatewayTests.runPython(
                    "sse_read.py",
                    ["URL": "\(url)/v1/alerts/stream?subscription=\(subscription)", "TOKEN": token, "LAST_EVENT_ID": cursor, "COUNT": "3", "SECONDS": "8"])
                #expect(Self.storyIDs(Self.events(resumed.output), event: "alert") == ["resume-2", "resume-3"], "via \(url): \(resumed.output)")
            }
        }
    }

    @Test("a client that stops reading is cut off with a last event carrying its cursor; resuming from it gets the rest, none twice")
    func slowClientIsCut() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()
            try pipeline.start("gateway", ["--http", "127.0.0.1:0", "--stream-stall", "3"])
            let file = pipeline.runDirectory.appendingPathComponent("gateway-0.http")
            #expect(try await eventually { FileManager.default.fileExists(atPath: file.path) })
            let url = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let token = try await GatewayTests.token(pipeline, scopes: ["read"], owner: nil)
            let workload = FaultWorkload(total: 4_000, chunk: 4_000, prefix: "slow")

            let go = pipeline.runDirectory.appendingPathComponent("go").path
            let ready = pipeline.runDirectory.appendingPathComponent("stream-ready").path
            async let slow = GatewayTests.runPython(
                "sse_read.py",
                ["URL": "\(url)/v1/stories/stream", "TOKEN": token, "SLOW": "1", "GO_FILE": go, "COUNT": "100000", "SECONDS": "150", "READY_FILE": ready])
            #expect(try await eventually(timeout: .seconds(20)) { FileManager.default.fileExists(atPath: ready) })
            for file in try workload.files(in: pipeline) { #expect(try await pipeline.newsctl("publish", [file.path]).status == 0) }
            // Every story has left tag (megabytes of events, more than the connection's buffers hold),
            // and the stalled client has taken nothing for longer than --stream-stall.
            #expect(try await eventually(timeout: .seconds(90)) { try await pipeline.counter("index", "indexed") >= workload.total })
            try await Task.sleep(for: .seconds(5))
            FileManager.default.createFile(atPath: go, contents: Data())
            let cut = try await slow
            let events = Self.events(cut.output)
            let last = try #require(events.last, "\(cut.output.suffix(500))")
            #expect(last["event"] as? String == "cut", "the stream did not end with a cut event: \(cut.output.suffix(800))")
            let resume = try #require((last["data"] as? [String: Any])?["resume"] as? String)
            let before = Self.storyIDs(events, event: "story")
            #expect(before.count < workload.total, "the slow client was never cut")

            let rest = try await GatewayTests.runPython(
                "sse_read.py",
                ["URL": "\(url)/v1/stories/stream", "TOKEN": token, "LAST_EVENT_ID": resume, "COUNT": "\(workload.total - before.count)", "SECONDS": "60"])
            let after = Self.storyIDs(Self.events(rest.output), event: "story")
            #expect(Set(before).isDisjoint(with: after), "stories sent twice across the cut")
            #expect(Set(before + after).count == workload.total, "before the cut \(before.count), after \(after.count), of \(workload.total)")
        }
    }
}
