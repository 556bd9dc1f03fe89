import ArgumentParser
import NewsModel
import ZeroMQ

/// `newsctl subscribe QUERY`: store a subscription and print its id.
struct SubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe",
        abstract: "Subscribe to alerts for a query; prints the subscription id.",
        discussion: "Example: newsctl subscribe 'place:Iran OR tariffs'. Subscribing to the same query again returns the same id.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The query; several words are joined with spaces.")
    var query: [String]

    func run() async throws {
        let context = try ZMQContext()
        let result = try await options.call(
            "notify", .subscribe(SubscribeRequest(query: query.joined(separator: " "))), as: SubscribeResult.self,
            context: context)
        if options.json {
            try printJSON(result)
        } else {
            printLine(result.subscription.id)
            if !result.created { printError("(already subscribed to this query)") }
        }
    }
}

/// `newsctl subscriptions`: list stored subscriptions.
struct SubscriptionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "subscriptions", abstract: "List subscriptions.")

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let context = try ZMQContext()
        let subscriptions = try await options.call("notify", .listSubscriptions, as: [Subscription].self, context: context)
        if options.json {
            for subscription in subscriptions { try printJSON(subscription) }
            return
        }
        if subscriptions.isEmpty { printLine("no subscriptions; add one with: newsctl subscribe QUERY") }
        for subscription in subscriptions {
            printLine("\(subscription.id)  \(shortDate(subscription.createdAt))  \(subscription.query)")
        }
    }
}

/// `newsctl unsubscribe ID`: remove a subscription.
struct UnsubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unsubscribe", abstract: "Remove a subscription.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The subscription id.")
    var id: String

    func run() async throws {
        let context = try ZMQContext()
        let removed = try await options.call("notify", .unsubscribe(id: id), as: Subscription.self, context: context)
        if options.json {
            try printJSON(removed)
        } else {
            printLine("removed \(removed.id) (\(removed.query))")
        }
    }
}
