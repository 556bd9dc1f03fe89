import Foundation
import Testing
import ZeroMQ

/// Free loopback TCP endpoints, found by letting the kernel pick ports.
func freeTCPEndpoints(_ count: Int) throws -> [String] {
    let context = try ZMQContext()
    var sockets: [ZMQSocket] = []
    defer { sockets.forEach { $0.close() } }
    var endpoints: [String] = []
    for _ in 0..<count {
        let socket = try ZMQSocket(context: context, type: .pull)
        try socket.setLinger(milliseconds: 0)
        try socket.bind("tcp://127.0.0.1:*")
        endpoints.append(try socket.lastEndpoint())
        sockets.append(socket)
    }
    return endpoints
}

@Suite("The pipeline over tcp://", .serialized, .timeLimit(.minutes(2)))
struct TCPTransportTests {
    @Test("every endpoint can be tcp:// instead of ipc://")
    func stagesTalkOverTCP() async throws {
        try await PipelineHarness.with { pipeline in
            let ports = try freeTCPEndpoints(7)
            let (ingestFeed, tagFeed, notifyFeed) = (ports[0], ports[1], ports[2])
            let (ingestControl, tagControl, indexControl, notifyControl) = (ports[3], ports[4], ports[5], ports[6])
            let live = try freeTCPEndpoints(1)[0]
            try pipeline.start("ingest", ["--feed", ingestFeed, "--control", ingestControl])
            try pipeline.start("tag", ["--input", ingestFeed, "--feed", tagFeed, "--control", tagControl])
            try pipeline.start("index", ["--input", tagFeed, "--control", indexControl])
            try pipeline.start("notify", ["--input", tagFeed, "--feed", notifyFeed, "--publish", live, "--control", notifyControl])
            let endpoints = [
                "--ingest", ingestControl, "--tag", tagControl, "--index", indexControl, "--notify", notifyControl,
                "--alerts", notifyFeed, "--tagged", tagFeed,
            ]
            let ready = try await pipeline.newsctl("status", endpoints + ["--wait", "30"], timeout: .seconds(40))
            #expect(ready.status == 0, "\(ready.stdout)\(ready.stderr)\(pipeline.logs())")

            let subscription = try await pipeline.newsctl("subscribe", endpoints + ["place:Gaza"])
            let id = subscription.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let follower = try pipeline.startNewsctl("alerts", endpoints + ["--follow", "--json", "--count", "1", id], name: "tcp-follower")
            #expect(try await eventually { follower.stderr.contains("following") })
            let file = try pipeline.write("gaza.jsonl", #"{"id": "tcp-1", "headline": "Aid convoys reach Gaza", "body": "Trucks crossed from Egypt."}"# + "\n")
            #expect(try await pipeline.newsctl("publish", endpoints + [file.path]).status == 0)
            #expect(await follower.waitForExit(timeout: .seconds(20)) == 0, "\(pipeline.logs())")
            #expect(follower.stdout.contains("\"tcp-1\""))
            let search = try await pipeline.newsctl("search", endpoints + ["convoys"])
            #expect(search.stdout.contains("Aid convoys reach Gaza"))
        }
    }
}

@Suite("Command-line help")
struct HelpTextTests {
    @Test("newsctl lists its commands")
    func newsctlHelp() async throws {
        try await PipelineHarness.with { pipeline in
            let child = try ChildProcess(
                name: "help", executable: pipeline.executable("newsctl"), arguments: ["--help"],
                directory: pipeline.runDirectory)
            #expect(await child.waitForExit(timeout: .seconds(10)) == 0)
            for command in ["publish", "search", "subscribe", "subscriptions", "unsubscribe", "alerts", "tail", "status", "feeds"] {
                #expect(child.stdout.contains("  \(command) "), "missing \(command) in:\n\(child.stdout)")
            }
        }
    }

    @Test("each stage documents its endpoints and run directory", arguments: ["ingest", "tag", "index", "notify"])
    func stageHelp(stage: String) async throws {
        try await PipelineHarness.with { pipeline in
            // ingest's and tag's stage is their default subcommand, run; parse is the other.
            let child = try ChildProcess(
                name: "help-\(stage)", executable: pipeline.executable(stage),
                arguments: ["ingest", "tag"].contains(stage) ? ["run", "--help"] : ["--help"], directory: pipeline.runDirectory)
            #expect(await child.waitForExit(timeout: .seconds(10)) == 0)
            #expect(child.stdout.contains("--run-dir <dir>"))
            #expect(child.stdout.contains("--control <endpoint>"))
            #expect(child.stdout.contains("SIGTERM"))
        }
    }
}
