import Foundation
import Testing

/// Two "hosts" on this machine: network namespaces joined by a veth pair, addresses of the test's
/// choosing. Needs root and `ip` (iproute2); skipped with a message otherwise.
final class TwoHosts {
    let suffix = String(UUID().uuidString.prefix(6)).lowercased()
    var hostA: String { "npa-\(suffix)" }
    var hostB: String { "npb-\(suffix)" }
    var linkA: String { "va\(suffix)" }
    let addressA: String
    let addressB: String

    static var available: Bool { geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") }

    init() throws {
        let subnet = Int.random(in: 1...250)
        addressA = "10.231.\(subnet).1"
        addressB = "10.231.\(subnet).2"
        try ip(["netns", "add", hostA])
        try ip(["netns", "add", hostB])
        try ip(["link", "add", linkA, "type", "veth", "peer", "name", "vb\(suffix)"])
        try ip(["link", "set", linkA, "netns", hostA])
        try ip(["link", "set", "vb\(suffix)", "netns", hostB])
        try ip(["-n", hostA, "addr", "add", "\(addressA)/24", "dev", linkA])
        try ip(["-n", hostB, "addr", "add", "\(addressB)/24", "dev", "vb\(suffix)"])
        for (host, link) in [(hostA, linkA), (hostB, "vb\(suffix)")] {
            try ip(["-n", host, "link", "set", "lo", "up"])
            try ip(["-n", host, "link", "set", link, "up"])
        }
    }

    /// Cuts (or heals) the link between the hosts.
    func setLink(up: Bool) throws { try ip(["-n", hostA, "link", "set", linkA, up ? "up" : "down"]) }

    /// Removes both namespaces (and with them the veth pair).
    func remove() {
        try? ip(["netns", "del", hostA])
        try? ip(["netns", "del", hostB])
    }

    @discardableResult
    func ip(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw POSIXError(.EIO, userInfo: [NSLocalizedDescriptionKey: "ip \(arguments.joined(separator: " ")) failed"])
        }
        return process.terminationStatus
    }
}

@Suite("Across hosts: stages in two network namespaces over tcp:// with CurveZMQ", .serialized)
struct NetworkNamespaceTests {
    @Test("stories cross from one namespace to another, encrypted and authenticated; a cut link delays them and loses none")
    func acrossHosts() async throws {
        guard TwoHosts.available else {
            print("skipped: the network-namespace test needs root and /usr/sbin/ip")
            return
        }
        let hosts = try TwoHosts()
        defer { hosts.remove() }
        try await PipelineHarness.with { pipeline in
            let base = pipeline.runDirectory.path
            let keys = base + "/keys"
            try FileManager.default.createDirectory(atPath: keys + "/allowed", withIntermediateDirectories: true)
            for name in ["server", "operator"] {
                let made = try pipeline.startProcess(
                    name: "keys-\(name)", executable: pipeline.executable("newsctl"), arguments: ["keys", "generate", "\(keys)/\(name)"])
                #expect(await made.waitForExit(timeout: .seconds(10)) == 0, "\(made.stderr)")
            }
            try FileManager.default.copyItem(atPath: keys + "/operator.pub", toPath: keys + "/allowed/operator.pub")
            let curve = ["--curve-key", keys + "/server.key", "--curve-allow", keys + "/allowed"]
            let client = ["--curve-key", keys + "/operator.key", "--curve-server-key", keys + "/server.pub"]
            let (runA, runB) = (base + "/a", base + "/b")
            let ingestFeed = "tcp://\(hosts.addressA):7101"
            let ingestControl = "tcp://\(hosts.addressA):7102"

            func stage(_ host: String, _ name: String, _ arguments: [String]) throws {
                _ = try pipeline.startProcess(
                    name: name, executable: URL(fileURLWithPath: "/usr/sbin/ip"),
                    arguments: ["netns", "exec", host, pipeline.executable(name.components(separatedBy: "@")[0]).path]
                        + arguments + ["--log-level", "debug", "--exit-with-parent"] + curve)
            }
            // Host A: ingest. Host B: tag (reading ingest across the link), index and notify.
            try stage(hosts.hostA, "ingest@a", ["--run-dir", runA, "--feed", ingestFeed, "--control", ingestControl])
            try stage(hosts.hostB, "tag@b", ["--run-dir", runB, "--input", ingestFeed])
            try stage(hosts.hostB, "index@b", ["--run-dir", runB])
            try stage(hosts.hostB, "notify@b", ["--run-dir", runB])

            func newsctl(_ host: String, _ arguments: [String], timeout: Duration = .seconds(30)) async throws -> CommandResult {
                let child = try pipeline.startProcess(
                    name: "newsctl-\(UUID().uuidString.prefix(6))", executable: URL(fileURLWithPath: "/usr/sbin/ip"),
                    arguments: ["netns", "exec", host, pipeline.executable("newsctl").path] + arguments + client)
                let status = await child.waitForExit(timeout: timeout)
                return CommandResult(status: status ?? -1, stdout: child.stdout, stderr: child.stderr)
            }
            func indexed() async throws -> Int {
                let status = try await newsctl(hosts.hostB, ["status", "index", "--run-dir", runB, "--json", "--timeout", "2"])
                guard let object = try? JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any] else { return -1 }
                return (object["counters"] as? [String: Any])?["stories"] as? Int ?? -1
            }
            #expect(try await eventually(timeout: .seconds(30)) { try await indexed() == 0 }, "host B's stages did not start: \(pipeline.logs())")

            func batch(_ tag: String, _ count: Int) throws -> String {
                let lines = (0..<count).map { index in
                    #"{"id": "\#(tag)-\#(index)", "headline": "Cross-host story \#(tag) \#(index) about tariffs", "body": "Story \#(index) of batch \#(tag) crossed the link between the hosts."}"#
                }
                let url = pipeline.runDirectory.appendingPathComponent("\(tag).jsonl")
                try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
                return url.path
            }
            // Published on host A, over ingest's tcp control endpoint.
            let first = try await newsctl(hosts.hostA, ["publish", try batch("one", 200), "--ingest", ingestControl, "--run-dir", runA])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(try await eventually(timeout: .seconds(60)) { try await indexed() == 200 }, "the first batch did not cross: \(pipeline.logs())")

            // The link goes down while more stories arrive on host A, then heals.
            try hosts.setLink(up: false)
            let second = try await newsctl(hosts.hostA, ["publish", try batch("two", 300), "--ingest", ingestControl, "--run-dir", runA])
            #expect(second.status == 0, "ingest on host A takes stories while the link is down: \(second.stderr)")
            try await Task.sleep(for: .seconds(3))
            #expect(try await indexed() == 200, "nothing crosses a cut link")
            try hosts.setLink(up: true)
            #expect(try await eventually(timeout: .seconds(90)) { try await indexed() == 500 }, "stories were lost across the cut: \(pipeline.logs())")

            // A client on host B without keys gets nothing from host A's ingest.
            let child = try pipeline.startProcess(
                name: "newsctl-plain", executable: URL(fileURLWithPath: "/usr/sbin/ip"),
                arguments: ["netns", "exec", hosts.hostB, pipeline.executable("newsctl").path, "status", "ingest", "--ingest", ingestControl,
                    "--run-dir", runB, "--json", "--timeout", "2"])
            _ = await child.waitForExit(timeout: .seconds(15))
            #expect(!child.stdout.contains("ingest-0"), "a client without keys was answered across hosts")
        }
    }
}
