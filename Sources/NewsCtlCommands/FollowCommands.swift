import ArgumentParser
import Foundation
import Logging
import NewsModel
import ZeroMQ

/// Options of the commands that follow a stream.
struct FollowLimits: ParsableArguments {
    @Option(help: "Stop after this many messages.")
    var count: Int?

    @Option(name: .customLong("for"), help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
    var duration: Double?

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be 1 or more") }
        if let duration, duration <= 0 { throw ValidationError("--for must be more than 0 seconds") }
    }
}

/// Receives messages from `endpoint` on `topics` and hands each decoded one to `handle`, until the
/// limits are reached.
/// - Returns: how many messages were handled.
func follow(
    endpoint: String, topics: [String], limits: FollowLimits, handle: @escaping @Sendable (InboundMessage) throws -> Void
) async throws -> Int {
    let context = try ZMQContext()
    let logger = Logger(label: "newsctl")
    let subscriber = try await Subscriber.connect(context: context, endpoints: [endpoint], topics: topics, logger: logger)
    defer { subscriber.close() }
    let codec = WireCodec()
    return try await withThrowingTaskGroup(of: Int.self) { group in
        group.addTask {
            var handled = 0
            for await frames in subscriber.messages {
                do {
                    try handle(try codec.decode(frames))
                    handled += 1
                } catch let error as WireError {
                    printError("skipped a message: \(error.message)")
                }
                if let count = limits.count, handled >= count { break }
            }
            return handled
        }
        if let duration = limits.duration {
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(duration * 1000)))
                subscriber.close()
                return 0
            }
        }
        let first = try await group.next() ?? 0
        group.cancelAll()
        subscriber.close()
        var total = first
        while let more = try? await group.next() { total += more }
        return total
    }
}

/// `newsctl alerts [--follow] [ID]`: stored alerts, or live ones as they arrive.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Show alerts: stored ones, or with --follow each one as it arrives.",
        discussion: "Give a subscription id to see only its alerts. --follow runs until Ctrl-C, --count or --for.")

    @OptionGroup var options: ClientOptions

    @Flag(help: "Follow the live alert stream.")
    var follow = false

    @OptionGroup var limits: FollowLimits

    @Option(help: "How many stored alerts to show.")
    var limit = 20

    @Argument(help: "Only this subscription's alerts.")
    var subscriptionID: String?

    func run() async throws {
        let json = options.json
        if follow {
            let endpoint = options.alerts ?? options.layout.alerts
            let topic = subscriptionID.map { StreamTopic.alert(subscriptionID: $0) } ?? StreamTopic.alertPrefix
            if !json { printError("following alerts on \(endpoint) (Ctrl-C to stop)") }
            let received = try await NewsCtlCommands.follow(endpoint: endpoint, topics: [topic], limits: limits) { message in
                guard case .alert(let alert) = message.envelope.payload else { return }
                try Self.show(alert, json: json)
            }
            if let count = limits.count, received < count { throw ExitCode.failure }
            return
        }
        let context = try ZMQContext()
        let alerts = try await options.client(for: "notify", context: context).call(
            .listAlerts(AlertsRequest(subscriptionID: subscriptionID, limit: limit)), as: [Alert].self)
        if alerts.isEmpty && !json { printLine("no alerts yet") }
        for alert in alerts.reversed() { try Self.show(alert, json: json) }
    }

    static func show(_ alert: Alert, json: Bool) throws {
        if json {
            try printJSON(alert)
            return
        }
        printLine("ALERT \(alert.subscriptionID)  \(alert.story.headline)")
        var facts = [alert.story.source ?? "unknown source", shortDate(alert.story.publishedAt)]
        if !alert.story.places.isEmpty { facts.append("places: " + alert.story.places.joined(separator: ", ")) }
        printLine("      " + facts.joined(separator: " · "))
        printLine("      matched: " + alert.matched.joined(separator: ", ") + "   (query: \(alert.query))")
    }
}

/// `newsctl tail`: follow tagged stories as they leave `tag`.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Follow tagged stories as they flow out of the tag stage.")

    @OptionGroup var options: ClientOptions

    @OptionGroup var limits: FollowLimits

    func run() async throws {
        let json = options.json
        let endpoint = options.tagged ?? options.layout.tagged
        if !json { printError("following tagged stories on \(endpoint) (Ctrl-C to stop)") }
        let received = try await follow(endpoint: endpoint, topics: [StreamTopic.storyTagged], limits: limits) { message in
            guard case .taggedStory(let tagged) = message.envelope.payload else { return }
            if json {
                try printJSON(tagged)
                return
            }
            printLine("STORY \(tagged.story.headline)")
            let entities = tagged.entities.map { "\($0.type.queryField):\($0.name)" }
            if !entities.isEmpty { printLine("      entities: " + entities.joined(separator: ", ")) }
            if !tagged.topics.isEmpty { printLine("      topics: " + tagged.topics.map(\.label).joined(separator: ", ")) }
        }
        if let count = limits.count, received < count { throw ExitCode.failure }
    }
}
