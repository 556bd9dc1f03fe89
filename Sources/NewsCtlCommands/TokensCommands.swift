import ArgumentParser
import Foundation
import NewsModel

/// `newsctl tokens create|list|revoke`: the API tokens the HTTP gateway accepts. Made through notify's
/// control socket, so only someone who may reach the run directory can make them.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Make, list and revoke API tokens for the HTTP gateway.",
        subcommands: [TokensCreateCommand.self, TokensListCommand.self, TokensRevokeCommand.self])
}

/// `newsctl tokens create --scope S [--owner NAME] [--json]`.
struct TokensCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Make a token; it is printed this once (notify keeps only its hash).")

    @Option(
        name: .customLong("scope"),
        help: ArgumentHelp("What it may do: read, publish, subscribe or admin (everything); repeatable.", valueName: "scope"))
    var scopes: [String] = []

    @Option(help: ArgumentHelp("Who owns what it creates (default: the token is its own owner).", valueName: "name"))
    var owner: String?

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard !scopes.isEmpty else { throw ValidationError("give at least one --scope: read, publish, subscribe or admin") }
        for scope in scopes where TokenScope(rawValue: scope) == nil {
            throw ValidationError("unknown scope \"\(scope)\": read, publish, subscribe or admin")
        }
    }

    func run() async throws {
        let context = try options.makeContext()
        let request = TokenCreateRequest(scopes: scopes.compactMap(TokenScope.init(rawValue:)), owner: owner)
        let made = try await options.call("notify", .createToken(request), as: TokenCreateResult.self, context: context)
        if options.json {
            struct Printed: Encodable {
                var token: String
                var id: String
                var owner: String
                var scopes: [TokenScope]
            }
            try printJSON(Printed(token: made.token, id: made.info.id, owner: made.info.owner, scopes: made.info.scopes))
        } else {
            printLine(made.token)
            printError("token \(made.info.id) for \(made.info.owner), scopes \(made.info.scopes.map(\.rawValue).joined(separator: ", ")); it is not shown again")
        }
    }
}

/// `newsctl tokens list`.
struct TokensListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tokens (ids, owners, scopes; never secrets).")

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let context = try options.makeContext()
        let tokens = try await options.call("notify", .listTokens, as: [APIToken].self, context: context)
        if options.json {
            for token in tokens { try printJSON(token) }
            return
        }
        if tokens.isEmpty { printLine("no tokens; make one with: newsctl tokens create --scope read") }
        for token in tokens {
            let state = token.revokedAt.map { "revoked \(shortDate($0))" } ?? "active"
            printLine("\(token.id)  \(token.owner)  \(token.scopes.map(\.rawValue).joined(separator: ","))  \(shortDate(token.createdAt))  \(state)")
        }
    }
}

/// `newsctl tokens revoke ID`.
struct TokensRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token: it is refused from now on.")

    @Argument(help: "The token's id (tok_…), as tokens list shows it.")
    var id: String

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let context = try options.makeContext()
        let revoked = try await options.call("notify", .revokeToken(id: id), as: APIToken.self, context: context)
        if options.json {
            try printJSON(revoked)
        } else {
            printLine("revoked \(revoked.id) (\(revoked.owner))")
        }
    }
}
