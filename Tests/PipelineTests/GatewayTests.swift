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
            var environment = ProcessInfo.processInfo.environment
            environment["GATEWAY_URL"] = url
            environment["OPENAPI"] = root.appendingPathComponent("docs/openapi.yaml").path
            environment["ADMIN_TOKEN"] = admin
            environment["ALICE_TOKEN"] = alice
            environment["BOB_TOKEN"] = bob
            let client = Process()
            client.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            client.arguments = ["python3", root.appendingPathComponent("Tests/PipelineTests/Support/gateway_client.py").path]
            client.environment = environment
            let output = Pipe()
            client.standardOutput = output
            client.standardError = output
            try client.run()
            let text = await Task.detached { String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }.value
            client.waitUntilExit()
            #expect(client.terminationStatus == 0, "the Python client: \(text)\n\(pipeline.logs())")

            // Revoked through newsctl: refused from then on.
            let carol = try await Self.token(pipeline, scopes: ["read"], owner: nil)
            let id = String(carol.split(separator: "_").prefix(2).joined(separator: "_"))
            #expect(try await pipeline.newsctl("tokens revoke", [id]).status == 0)
            #expect(try await pipeline.newsctl("tokens list", []).stdout.contains("revoked"))
        }
    }
}
