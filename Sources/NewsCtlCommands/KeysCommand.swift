import ArgumentParser
import Foundation
import NewsModel
import NewsTransport
import ZeroMQ

/// `newsctl keys generate NAME`: a CurveZMQ key pair for a stage host or a client.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Make CurveZMQ keys for tcp:// deployments.", subcommands: [GenerateKeysCommand.self])
}

/// `newsctl keys generate NAME`: writes NAME.key (the key pair, mode 0600) and NAME.pub (the public key).
struct GenerateKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Write NAME.key (secret, mode 0600) and NAME.pub (public) for a new key pair.",
        discussion: """
            The stages of one deployment share a server key pair (each stage runs with --curve-key \
            server.key); every client (another host's stages, newsctl) gets its own pair, and its .pub goes \
            into the directory the stages read with --curve-allow. docs/DEPLOY.md walks through it.
            """)

    @Argument(help: "Path prefix of the files to write, such as keys/server.")
    var name: String

    @Flag(help: "Print {\"secretFile\", \"publicFile\", \"publicKey\"} as one JSON line.")
    var json = false

    /// What `--json` prints.
    private struct Written: Encodable {
        let secretFile: String
        let publicFile: String
        let publicKey: String
    }

    func run() async throws {
        let pair = try CurveKeyFile.generate(prefix: name)
        if json {
            try printJSON(Written(secretFile: name + ".key", publicFile: name + ".pub", publicKey: pair.publicKey))
            return
        }
        printLine("wrote \(name).key (secret, mode 0600) and \(name).pub")
        printLine("public key: \(pair.publicKey)")
    }
}
