import ArgumentParser
import Logging

/// `newsctl`: the client people use to run stories through the pipeline and follow alerts.
public struct NewsctlCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "newsctl",
        abstract: "Publish stories, search them, and subscribe to alerts in the news pipeline.",
        discussion: "Every command takes --run-dir (default ./run) to find a pipeline started by `make run`.",
        subcommands: [
            PublishCommand.self, SearchCommand.self, SubscribeCommand.self, SubscriptionsCommand.self,
            UnsubscribeCommand.self, AlertsCommand.self, TailCommand.self, StatusCommand.self, FeedsCommand.self, RetagCommand.self,
            DeliveriesCommand.self, DigestCommand.self, ClockCommand.self, KeysCommand.self, TokensCommand.self,
        ])

    public init() {}

    /// Sends library log lines at warning and above to stderr; `newsctl`'s own output is its data.
    /// Call once, before ``main()``.
    public static func bootstrapLogging() {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
    }
}
