import Foundation
import Testing

@Suite("Only those allowed: CurveZMQ with a ZAP allow-list, and socket file permissions", .serialized)
struct TransportSecurityTests {
    @Test("over tcp:// with CURVE, a client without keys or with a key not on the allow-list gets nothing; an allowed key gets answers")
    func curveAllowList() async throws {
        try await PipelineHarness.with { pipeline in
            let keys = pipeline.runDirectory.appendingPathComponent("keys").path
            let allowed = pipeline.runDirectory.appendingPathComponent("allowed").path
            try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: allowed, withIntermediateDirectories: true)
            for name in ["server", "alice", "mallory"] {
                // `keys generate` needs no pipeline, so it takes no --run-dir.
                let made = try pipeline.startProcess(
                    name: "keys-\(name)", executable: pipeline.executable("newsctl"), arguments: ["keys", "generate", "\(keys)/\(name)"])
                #expect(await made.waitForExit(timeout: .seconds(10)) == 0, "\(made.stderr)")
            }
            let secret = try FileManager.default.attributesOfItem(atPath: "\(keys)/server.key")[.posixPermissions] as? Int
            #expect(secret == 0o600, "the secret key file is the owner's only")
            try FileManager.default.copyItem(atPath: "\(keys)/alice.pub", toPath: "\(allowed)/alice.pub")

            let port = Int.random(in: 20_000..<40_000)
            let control = "tcp://127.0.0.1:\(port)"
            try pipeline.start("index", ["--control", control, "--curve-key", "\(keys)/server.key", "--curve-allow", allowed])
            func status(_ extra: [String]) async throws -> CommandResult {
                try await pipeline.newsctl("status", ["index", "--index", control, "--timeout", "2", "--json"] + extra, timeout: .seconds(15))
            }
            let allowedClient = ["--curve-key", "\(keys)/alice.key", "--curve-server-key", "\(keys)/server.pub"]
            #expect(try await eventually(timeout: .seconds(20)) { try await status(allowedClient).stdout.contains("\"instance\":\"index-0\"") },
                    "the allowed client got no answer: \(pipeline.logs())")
            let plain = try await status([])
            #expect(!plain.stdout.contains("index-0"), "a client without keys was answered: \(plain.stdout)")
            let unknown = try await status(["--curve-key", "\(keys)/mallory.key", "--curve-server-key", "\(keys)/server.pub"])
            #expect(!unknown.stdout.contains("index-0"), "a client not on the allow-list was answered: \(unknown.stdout)")
            #expect(try await eventually { pipeline.child("index")?.stderr.contains("refused a client") == true }, "the ZAP handler logs refusals")
            let wrongServer = try await status(["--curve-key", "\(keys)/alice.key", "--curve-server-key", "\(keys)/mallory.pub"])
            #expect(!wrongServer.stdout.contains("index-0"), "a client expecting another server key must not talk to this one")
        }
    }

    @Test("ipc:// socket files are mode 0660 and their directory 0770: only the service's user and group can connect")
    func socketPermissions() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()
            let directory = try FileManager.default.attributesOfItem(atPath: pipeline.runDirectory.path)[.posixPermissions] as? Int
            #expect(directory == 0o770)
            for name in ["ingest-0.ctl", "ingest-0.feed", "tag-0.feed", "index-0.ctl", "notify-0.pub", "notify-0.ctl"] {
                let mode = try FileManager.default.attributesOfItem(atPath: pipeline.runDirectory.appendingPathComponent(name).path)[.posixPermissions] as? Int
                #expect(mode == 0o660, "\(name) is \(String(mode ?? 0, radix: 8))")
            }
        }
    }
}
