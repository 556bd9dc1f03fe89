import Foundation
import Testing

@Suite("Deployment files")
struct DeploymentTests {
    func dockerCompose(_ arguments: [String]) async throws -> CommandResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("compose-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let compose = PipelineHarness.repositoryRoot.appendingPathComponent("deploy/compose.yaml").path
        let child = try ChildProcess(
            name: "docker-compose", executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: ["docker-compose", "-f", compose] + arguments, directory: directory)
        let status = await child.waitForExit(timeout: .seconds(60))
        return CommandResult(status: status ?? -1, stdout: child.stdout, stderr: child.stderr)
    }

    @Test("docker-compose accepts the compose file")
    func composeFileIsValid() async throws {
        let result = try await dockerCompose(["config", "-q"])
        #expect(result.status == 0, "docker-compose config -q failed: \(result.stderr)")
    }

    @Test("the compose file runs one service per stage and the gateway, each with a healthcheck and a restart policy, metrics on every one")
    func composeServices() async throws {
        let services = try await dockerCompose(["config", "--services"])
        #expect(Set(services.stdout.split(separator: "\n").map(String.init)) == ["ingest", "tag", "index", "notify", "gateway"])
        let config = try await dockerCompose(["config"])
        #expect(config.stdout.components(separatedBy: "healthcheck:").count - 1 == 5)
        #expect(config.stdout.components(separatedBy: "restart: unless-stopped").count - 1 == 5)
        #expect(config.stdout.components(separatedBy: "0.0.0.0:9100").count - 1 == 5, "every process serves /metrics")
        #expect(config.stdout.contains("sockets:/run/news") || config.stdout.contains("target: /run/news"))
    }
}
