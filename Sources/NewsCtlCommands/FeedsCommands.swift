import ArgumentParser
import Foundation
import NewsModel
import NewsTransport

/// `newsctl feeds`: the feed URLs `ingest` polls.
struct FeedsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feeds",
        abstract: "Manage the RSS, Atom and JSON Feed URLs that ingest polls.",
        discussion: """
            Each feed is polled on its own interval with conditional GET (ETag, Last-Modified); a failing \
            feed backs off (doubling, up to an hour) and the others keep flowing. Feeds and their state \
            are kept across restarts. With several ingest replicas, a feed is added to the first one that \
            answers, and `list` shows which one polls it.
            """,
        subcommands: [FeedsAddCommand.self, FeedsListCommand.self, FeedsRemoveCommand.self], defaultSubcommand: FeedsListCommand.self)
}

/// A polling interval: seconds, or a number with `s`, `m`, `h` or `d`.
struct PollInterval: ExpressibleByArgument {
    let seconds: Int

    init?(argument: String) {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var text = argument.trimmingCharacters(in: .whitespaces).lowercased()
        var unit = 1
        if let last = text.last, let multiplier = units[last] {
            unit = multiplier
            text.removeLast()
        }
        guard let value = Int(text), value > 0, value <= Int.max / unit else { return nil }
        seconds = value * unit
    }
}

/// `newsctl feeds add URL`.
struct FeedsAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Poll a feed URL (adding it again changes its interval or name).")

    @Argument(help: "The feed's http or https URL.")
    var url: String

    @Option(help: ArgumentHelp("How often to poll: seconds, or 90s, 5m, 1h, 1d.", valueName: "interval"))
    var every = PollInterval(argument: "\(PolledFeed.defaultIntervalSeconds)")!

    @Option(help: "The source to record for its stories when the feed names none.")
    var name: String?

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let context = try options.makeContext()
        let feed = try await options.call(
            "ingest", .addFeed(FeedAddRequest(url: url, intervalSeconds: every.seconds, name: name)), as: PolledFeed.self,
            context: context)
        if options.json {
            try printJSON(feed)
        } else {
            printLine("polling \(feed.url) every \(describe(seconds: feed.intervalSeconds)) (\(feed.instance))")
        }
    }
}

/// `newsctl feeds list` (the default).
struct FeedsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List polled feeds with their state, counters and last error.")

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let context = try options.makeContext()
        let endpoints = options.controlEndpoints("ingest")
        guard !endpoints.isEmpty else {
            throw NewsctlError("no ingest is running: no ingest-*.ctl in \(options.layout.runDirectory). Is the pipeline running? (make run)")
        }
        var feeds: [PolledFeed] = []
        for endpoint in endpoints {
            feeds += try await options.client(endpoint: endpoint, stage: "ingest", context: context).call(.listFeeds, as: [PolledFeed].self)
        }
        if options.json {
            for feed in feeds { try printJSON(feed) }
            return
        }
        if feeds.isEmpty { printLine("no feeds; add one with: newsctl feeds add URL") }
        for feed in feeds {
            let health = feed.consecutiveErrors > 0 ? "FAILING (\(feed.consecutiveErrors) in a row)" : (feed.polls == 0 ? "new" : "ok")
            printLine("\(feed.url)  [\(health)]")
            var facts = [
                "every \(describe(seconds: feed.intervalSeconds))", "by \(feed.instance)",
                "last polled \(feed.lastPolledAt.map(shortDate) ?? "never")", "next \(shortDate(feed.nextPollAt))",
            ]
            if let name = feed.name { facts.insert("as \(name)", at: 0) }
            printLine("    " + facts.joined(separator: ", "))
            printLine(
                "    \(feed.polls) polls, \(feed.notModified) not modified, \(feed.storiesAccepted) stories, "
                    + "\(feed.duplicates) duplicates, \(feed.errors) errors")
            if let error = feed.lastError, let at = feed.lastErrorAt {
                printLine("    last error \(shortDate(at)): \(error)")
            }
        }
    }
}

/// `newsctl feeds remove URL`.
struct FeedsRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Stop polling a feed.")

    @Argument(help: "The feed's URL, as listed.")
    var url: String

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let context = try options.makeContext()
        var removed: [PolledFeed] = []
        for endpoint in options.controlEndpoints("ingest") {
            do {
                removed.append(
                    try await options.client(endpoint: endpoint, stage: "ingest", context: context)
                        .call(.removeFeed(FeedURLRequest(url: url)), as: PolledFeed.self))
            } catch {
                if case .failed(let failure) = error, failure.code == .notFound { continue }
                throw error
            }
        }
        guard !removed.isEmpty else { throw NewsctlError("no ingest polls \(url); see: newsctl feeds list") }
        for feed in removed {
            if options.json { try printJSON(feed) } else { printLine("stopped polling \(feed.url) (\(feed.instance))") }
        }
    }
}

/// `300` → `5m`, `90` → `90s`.
func describe(seconds: Int) -> String {
    if seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
    if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
    if seconds % 60 == 0 { return "\(seconds / 60)m" }
    return "\(seconds)s"
}
