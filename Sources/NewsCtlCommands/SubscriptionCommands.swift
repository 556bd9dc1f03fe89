import ArgumentParser
import NewsModel
import ZeroMQ

/// `newsctl subscribe QUERY`: store a subscription and print its id.
struct SubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe",
        abstract: "Subscribe to alerts for a query; prints the subscription id.",
        discussion: """
            Example: newsctl subscribe 'place:Iran OR tariffs'. Subscribing to the same query again returns \
            the same id. With --webhook URL, every alert is also POSTed there, signed the Standard Webhooks \
            way; the signing secret is printed once, on the second line. --backfill 7d also alerts on the \
            matching stories of the last week already in the index, then live ones, with none missed or sent \
            twice at the hand-off. --dry-run shows how many stories of the window (default 7d) would have \
            matched, with the latest few, and saves nothing. --digest daily@08:00 --tz Europe/Berlin gathers \
            the alerts into one message a day at 08:00 Berlin time; --max-per-hour and --quiet-hours hold \
            the rest for the next digest. --spike tells when the hourly count of matching stories jumps; \
            --silence when none has matched for several times the usual gap (both need a destination).
            """)

    @Option(help: ArgumentHelp("POST each alert to this http(s) URL (Standard Webhooks: webhook-id, -timestamp, -signature).", valueName: "url"))
    var webhook: String?

    @Option(help: ArgumentHelp("E-mail each alert to this address (notify needs --smtp-url and --smtp-from).", valueName: "address"))
    var email: String?

    @Option(
        name: .customLong("webhook-format"),
        help: ArgumentHelp("How the webhook is written: standard (signed), slack, teams or ntfy (an ntfy topic URL).", valueName: "format"))
    var webhookFormat: String?

    @Option(help: ArgumentHelp("Also alert on matching stored stories of this window (30m, 24h, 7d, 2w).", valueName: "window"))
    var backfill: String?

    @Flag(help: "Show how many stories of the window would have matched, with examples; save nothing.")
    var dryRun = false

    @OptionGroup(title: "Delivery") var delivery: DeliveryOptions

    @Flag(help: "Tell when the hourly count of matching stories jumps above its baseline, not of each story.")
    var spike = false

    @Flag(help: "Tell when no story has matched for several times the usual gap (a feed or source gone quiet).")
    var silence = false

    @Option(help: ArgumentHelp("How readily --spike or --silence fires: low, medium (default) or high.", valueName: "level"))
    var sensitivity: WatchSensitivity?

    @Option(help: ArgumentHelp("For --silence: how many usual gaps without a story make a silence (default by sensitivity).", valueName: "n"))
    var silenceFactor: Double?

    @Argument(help: "The query; several words are joined with spaces.")
    var query: [String]

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if let webhookFormat {
            guard WebhookFormat(rawValue: webhookFormat) != nil else { throw ValidationError("--webhook-format is standard, slack, teams or ntfy") }
            guard webhook != nil else { throw ValidationError("--webhook-format needs --webhook URL") }
        }
        if spike && silence { throw ValidationError("give --spike or --silence, not both") }
        if (sensitivity != nil || silenceFactor != nil) && !(spike || silence) {
            throw ValidationError("--sensitivity and --silence-factor go with --spike or --silence")
        }
        if (spike || silence) && webhook == nil && email == nil { throw ValidationError("--spike and --silence need --webhook or --email") }
        _ = try delivery.schedule()
        if let backfill, DateBound.window(backfill) == nil {
            throw ValidationError("--backfill takes a window such as 30m, 24h, 7d or 2w, not \(backfill)")
        }
    }

    func run() async throws {
        let text = query.joined(separator: " ")
        _ = try parsedQuery(text)
        let context = try options.makeContext()
        let seconds = backfill.flatMap(DateBound.window)
        if dryRun {
            try await dryRun(text, seconds: seconds ?? 7 * 86_400, context: context)
            return
        }
        let result = try await options.call(
            "notify", .subscribe(
                SubscribeRequest(
                    query: text, webhook: webhook, backfillSeconds: seconds, webhookFormat: webhookFormat.flatMap(WebhookFormat.init(rawValue:)),
                    email: email, kind: spike ? .spike : silence ? .silence : nil, delivery: try delivery.schedule(), sensitivity: sensitivity,
                    silenceFactor: silenceFactor)),
            as: SubscribeResult.self,
            context: context)
        if options.json {
            try printJSON(result)
        } else {
            printLine(result.subscription.id)
            if let secret = result.webhookSecret { printLine("webhook secret (shown only now): \(secret)") }
            if let backfilled = result.backfilled {
                printError("backfill: \(backfilled) alert\(backfilled == 1 ? "" : "s") from the last \(DateBound.describe(seconds: seconds ?? 0))")
            }
            if !result.created {
                printError("(already subscribed to this query\(webhook == nil && email == nil ? "" : " with this destination"))")
                // Subscribing again never changes how an existing subscription is delivered.
                if let wanted = try delivery.schedule(), wanted != result.subscription.schedule {
                    printError(
                        "its delivery is \(result.subscription.schedule.summary); change it with: newsctl subscriptions update \(result.subscription.id) --digest …")
                }
            }
        }
    }

    /// Counts the window's matches in the index, shows the latest, and stores nothing.
    private func dryRun(_ text: String, seconds: Int, context: ZMQContext) async throws {
        // The query was checked here on its own (``parsedQuery(_:)``), so an error points into what
        // the user wrote, not into the windowed query below.
        let window = DateBound.describe(seconds: seconds)
        let result = try await options.call(
            "index", .search(SearchRequest(query: "(\(text)) since:\(window)", limit: 5, sort: .date)), as: SearchResult.self,
            context: context)
        if options.json {
            try printJSON(result)
            return
        }
        printLine("\(result.total) stor\(result.total == 1 ? "y" : "ies") of the last \(window) would have matched \(text) (dry run: nothing saved)")
        for hit in result.hits {
            printLine("  \(shortDate(hit.publishedAt))  \(hit.headline)  (\(hit.source ?? "unknown source"))")
        }
    }
}

/// `newsctl subscriptions [list]` and `newsctl subscriptions update ID …`.
struct SubscriptionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscriptions", abstract: "List subscriptions, or change how one is delivered.",
        subcommands: [ListSubscriptionsCommand.self, SubscriptionsUpdateCommand.self], defaultSubcommand: ListSubscriptionsCommand.self)
}

/// `newsctl subscriptions list`: stored subscriptions, oldest first.
struct ListSubscriptionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List subscriptions.")

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let context = try options.makeContext()
        let subscriptions = try await options.call("notify", .listSubscriptions(OwnerScope()), as: [Subscription].self, context: context)
        if options.json {
            for subscription in subscriptions { try printJSON(subscription) }
            return
        }
        if subscriptions.isEmpty { printLine("no subscriptions; add one with: newsctl subscribe QUERY") }
        for subscription in subscriptions {
            let kind = subscription.watchKind == .alert ? subscription.schedule.summary : subscription.watchKind.rawValue + " " + (subscription.sensitivity ?? .medium).rawValue
            printLine("\(subscription.id)  \(shortDate(subscription.createdAt))  \(kind)  \(subscription.query)\(subscription.webhook.map { "  -> " + $0 } ?? "")")
        }
    }
}

/// `newsctl unsubscribe ID`: remove a subscription.
struct UnsubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unsubscribe", abstract: "Remove a subscription.")

    @Argument(help: "The subscription id.")
    var id: String

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let context = try options.makeContext()
        let removed = try await options.call("notify", .unsubscribe(id: id, owner: nil), as: Subscription.self, context: context)
        if options.json {
            try printJSON(removed)
        } else {
            printLine("removed \(removed.id) (\(removed.query))")
        }
    }
}

/// `newsctl deliveries [--dead|--pending|--delivered]` and `newsctl deliveries replay ID|--all`: the
/// webhook outbox and its dead letters.
struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries", abstract: "Show webhook deliveries and replay dead letters.",
        subcommands: [ListDeliveriesCommand.self, ReplayDeliveriesCommand.self], defaultSubcommand: ListDeliveriesCommand.self)
}

/// `newsctl deliveries list`: deliveries, newest first.
struct ListDeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List webhook deliveries, newest first.")

    @Flag(help: "Only deliveries in this state (dead: the dead letters).")
    var state: DeliveryState?

    @Option(help: "How many to show.")
    var limit = 50

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let context = try options.makeContext()
        let deliveries = try await options.call(
            "notify", .listDeliveries(DeliveriesRequest(state: state, limit: limit)), as: [WebhookDelivery].self, context: context)
        if options.json {
            for delivery in deliveries { try printJSON(delivery) }
            return
        }
        if deliveries.isEmpty { printLine("no webhook deliveries\(state.map { " \($0.rawValue)" } ?? "")") }
        for delivery in deliveries {
            var line = "\(delivery.state.rawValue.uppercased())  \(delivery.id)  -> \(delivery.url)  attempts \(delivery.attempts)"
            if let next = delivery.nextAttemptAt { line += "  next \(shortDate(next))" }
            printLine(line)
            if let error = delivery.lastError { printLine("      last error: \(error)") }
        }
    }
}

extension DeliveryState: EnumerableFlag {}

/// `newsctl deliveries replay ID|--all`: put dead letters back in the outbox.
struct ReplayDeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "replay", abstract: "Deliver dead letters again.")

    @Flag(help: "Every dead letter.")
    var all = false

    @Argument(help: "The delivery id (as `newsctl deliveries --dead` shows it).")
    var id: String?

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if id != nil && all { throw ValidationError("give a delivery id or --all, not both") }
        if id == nil && !all { throw ValidationError("give a delivery id, or --all for every dead letter") }
    }

    func run() async throws {
        let context = try options.makeContext()
        let result = try await options.call("notify", .replayDeliveries(ReplayRequest(id: id)), as: ReplayResult.self, context: context)
        if options.json { try printJSON(result) } else { printLine("replayed \(result.replayed) dead letter\(result.replayed == 1 ? "" : "s")") }
    }
}
