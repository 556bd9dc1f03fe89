import Foundation
import Testing

/// `newsctl` as a newcomer meets it: its help, its local checks and its JSON, as a real process.
@Suite("newsctl", .timeLimit(.minutes(1)))
struct NewsctlTests {
    @Test("a bad query is refused with its column before any stage is asked: no pipeline needs to run")
    func badQueryRefusedLocally() async throws {
        try await PipelineHarness.with { pipeline in
            // Nothing runs in this run directory: an answer about the query can only come from newsctl.
            for command in ["search", "subscribe"] {
                let result = try await pipeline.newsctl(command, ["tariffs AND (place:Iran"], timeout: .seconds(10))
                #expect(result.status != 0)
                #expect(result.stderr.contains("bad query: column 24"), "\(command): \(result.stderr)")
                #expect(result.stderr.contains("tariffs AND (place:Iran\n"), "\(command): \(result.stderr)")
                #expect(!result.stderr.contains("no index") && !result.stderr.contains("no notify"), "\(command): \(result.stderr)")
            }
        }
    }

    @Test("a command's help lists its own options before the shared pipeline options")
    func helpOrder() async throws {
        try await PipelineHarness.with { pipeline in
            for (command, own) in [("search", "--limit"), ("subscribe", "--webhook"), ("alerts", "--follow"), ("retag", "--since")] {
                let help = try await pipeline.newsctl(command, ["--help"], timeout: .seconds(10))
                // The options section, not the usage line or the overview.
                let whole = help.stdout + help.stderr
                let text = String(whole[try #require(whole.range(of: "OPTIONS:"), "\(command) --help: \(whole)").upperBound...])
                let ownAt = try #require(text.range(of: own), "\(command) --help has no \(own): \(text)")
                let sharedAt = try #require(text.range(of: "--run-dir"), "\(command) --help has no --run-dir: \(text)")
                #expect(ownAt.lowerBound < sharedAt.lowerBound, "\(command): \(text)")
            }
        }
    }

    @Test("keys generate --json prints the files and the public key as one JSON object")
    func keysJSON() async throws {
        try await PipelineHarness.with { pipeline in
            let prefix = pipeline.runDirectory.appendingPathComponent("client").path
            // keys generate takes no pipeline options (it asks no stage).
            let result = try pipeline.startProcess(
                name: "newsctl-keys", executable: pipeline.executable("newsctl"), arguments: ["keys", "generate", prefix, "--json"])
            #expect(await result.waitForExit(timeout: .seconds(10)) == 0, "\(result.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String])
            #expect(object["secretFile"] == prefix + ".key")
            #expect(object["publicFile"] == prefix + ".pub")
            let written = try String(contentsOfFile: prefix + ".pub", encoding: .utf8)
            #expect(written.contains(try #require(object["publicKey"])))
        }
    }
}
