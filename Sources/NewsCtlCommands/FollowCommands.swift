import ArgumentParser
import Foundation
import Logging
import NewsModel
import NewsTransport
import Synchronization

/// Options of the commands that follow a feed.
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

/// Follows the feeds in `sources` from now on, as a group of its own, handing each decoded message to
/// `handle` (which returns whether it counted) until the limits are reached. Says on stderr, once every
/// feed has answered, that it is following.
/// - Returns: how many messages counted.
func follow(
    options: ClientOptions, sources: FeedSources, topicPrefix: String?, limits: FollowLimits, quiet: Bool,
    handle: @escaping @Sendable (InboundMessage) throws -> Bool
) async throws -> Int {
    let context = try options.makeContext()
    let hello = FeedHello(
        group: "newsctl-\(UUID().uuidString.prefix(12).lowercased())", instance: "newsctl-\(getpid())", window: 512,
        start: .latest, durable: false, topicPrefix: topicPrefix)
    let consumer = FeedConsumer.start(context: context, sources: sources, hello: hello, logger: Logger(label: "newsctl"))
    let handled = HandledCount()
    enum Finished { case announced, stopped }
    try await withThrowingTaskGroup(of: Finished.self) { group in
        group.addTask {
            // Tell the user (and scripts waiting on stderr) once every feed knows about us.
            guard await consumer.waitUntilJoined() else { throw CancellationError() }
            let count = consumer.sourceStatus.count
            if !quiet { printError("following \(count) feed\(count == 1 ? "" : "s") (Ctrl-C to stop)") }
            return .announced
        }
        group.addTask {
            for await batch in consumer.deliveries {
                for delivery in batch {
                    if let message = delivery.message, try handle(message) { handled.value.add(1, ordering: .relaxed) }
                    delivery.acknowledge()
                    if let count = limits.count, handled.value.load(ordering: .relaxed) >= count { return .stopped }
                }
            }
            return .stopped
        }
        if let duration = limits.duration {
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(duration * 1000)))
                return .stopped
            }
        }
        while let finished = try await group.next() {
            if finished == .stopped { break }
        }
        group.cancelAll()
    }
    await consumer.waitUntilClosed()
    return handled.value.load(ordering: .relaxed)
}

/// How many followed messages counted, shared between tasks.
final class HandledCount: Sendable {
    let value = Atomic<Int>(0)
}

/// `newsctl alerts [--follow] [ID]`: stored alerts, or new ones as they arrive.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Show alerts: stored ones, or with --follow each new one as it arrives.",
        discussion: """
            Give a subscription id to see only its alerts. --follow reads every notify replica's reliable \
            feed and runs until Ctrl-C, --count or --for; an alert is shown once even if it is delivered \
            twice.
            """)

    @Flag(help: "Follow new alerts as they arrive.")
    var follow = false

    @OptionGroup var limits: FollowLimits

    @Option(help: "How many stored alerts to show.")
    var limit = 20

    @Argument(help: "Only this subscription's alerts.")
    var subscriptionID: String?

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let json = options.json
        if follow {
            let prefix = subscriptionID.map { StreamTopic.alert(subscriptionID: $0) } ?? StreamTopic.alertPrefix
            let seen = Mutex<Set<String>>([])
            let received = try await NewsCtlCommands.follow(options: options, sources: options.feedSources("notify"), topicPrefix: prefix, limits: limits, quiet: false
            ) { message in
                guard case .alert(let alert) = message.envelope.payload,
                    seen.withLock({ $0.insert(alert.id).inserted })
                else { return false }
                try Self.show(alert, json: json)
                return true
            }
            if let count = limits.count, received < count { throw ExitCode.failure }
            return
        }
        let context = try options.makeContext()
        let alerts = try await options.call(
            "notify", .listAlerts(AlertsRequest(subscriptionID: subscriptionID, limit: limit)), as: [Alert].self,
            context: context)
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
        for tag in alert.tags ?? [] { printLine("      why \(tag.clause): \(tag.tag)\(tag.id.map { " (\($0))" } ?? "") — \(tag.reason)") }
    }
}

/// `newsctl tail`: follow tagged stories as they leave `tag`.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Follow tagged stories as they leave the tag replicas.")

    @OptionGroup var limits: FollowLimits

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let json = options.json
        let seen = Mutex<Set<String>>([])
        let received = try await follow(options: options, sources: options.feedSources("tag"), topicPrefix: StreamTopic.storyTagged, limits: limits, quiet: false
        ) { message in
            guard case .taggedStory(let tagged) = message.envelope.payload,
                seen.withLock({ $0.insert(tagged.story.id + "@" + message.envelope.messageID).inserted })
            else { return false }
            if json {
                try printJSON(tagged)
                return true
            }
            printLine("STORY \(tagged.story.headline)")
            let entities = tagged.entities.map { "\($0.type.queryField):\($0.name)" }
            if !entities.isEmpty { printLine("      entities: " + entities.joined(separator: ", ")) }
            if !tagged.topics.isEmpty { printLine("      topics: " + tagged.topics.map(\.label).joined(separator: ", ")) }
            return true
        }
        if let count = limits.count, received < count { throw ExitCode.failure }
    }
}
