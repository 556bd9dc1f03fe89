import ArgumentParser
import Foundation
import NewsModel
import NewsTransport

/// How a subscription's alerts are delivered: `--digest`, `--tz`, `--max-per-hour`, `--quiet-hours`
/// and `--updates`/`--no-updates`, shared by `subscribe` and `subscriptions update`.
struct DeliveryOptions: ParsableArguments {
    @Option(help: ArgumentHelp("instant (the default), hourly, daily@HH:MM or weekly@DAY@HH:MM (DAY: mon … sun).", valueName: "schedule"))
    var digest: String?

    @Option(name: .customLong("tz"), help: ArgumentHelp("The IANA time zone of --digest and --quiet-hours, such as Europe/Berlin (default UTC).", valueName: "zone"))
    var timeZone: String?

    @Option(help: ArgumentHelp("At most this many instant alerts an hour; the rest go into the next hourly digest (0: no cap).", valueName: "n"))
    var maxPerHour: Int?

    @Option(help: ArgumentHelp("HH:MM-HH:MM local: hold alerts and digests until they end (off: none).", valueName: "range"))
    var quietHours: String?

    @Flag(inversion: .prefixedNo, help: "Send one update per story and digest period when further outlets carry it (default on).")
    var updates: Bool?

    /// The changes as the protocol carries them.
    func update(id: String) -> SubscriptionUpdateRequest {
        SubscriptionUpdateRequest(id: id, digest: digest, timeZone: timeZone, maxPerHour: maxPerHour, quietHours: quietHours, updates: updates)
    }

    /// The schedule for a new subscription; nil when no option was given.
    func schedule() throws -> DeliverySchedule? {
        do { return try update(id: "new").newSchedule() } catch { throw ValidationError(error.message) }
    }
}

/// `newsctl subscriptions update ID --digest daily@08:00 --tz Europe/Berlin …`.
struct SubscriptionsUpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Change how a subscription's alerts are delivered.",
        discussion: """
            Example: newsctl subscriptions update sub_… --digest daily@08:00 --tz Europe/Berlin --max-per-hour 20. \
            Options left out stay as they are. Alerts already held go out at the new schedule's next time.
            """)

    @Argument(help: "The subscription id.")
    var id: String

    @OptionGroup var delivery: DeliveryOptions

    @Option(help: ArgumentHelp("A spike or silence subscription's sensitivity: low, medium or high.", valueName: "level"))
    var sensitivity: WatchSensitivity?

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func validate() throws {
        _ = try delivery.schedule()
    }

    func run() async throws {
        var request = delivery.update(id: id)
        request.sensitivity = sensitivity
        let context = try options.makeContext()
        let updated = try await options.call("notify", .updateSubscription(request), as: Subscription.self, context: context)
        if options.json { try printJSON(updated) } else { printLine("\(updated.id)  \(updated.schedule.summary)  \(updated.query)") }
    }
}

extension WatchSensitivity: ExpressibleByArgument {}

/// `newsctl digest ID [--preview | --send-now]`: what a subscription's next digest holds, or send it.
struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest", abstract: "Show what a subscription's next digest would contain, or send it now.")

    @Argument(help: "The subscription id.")
    var id: String

    @Flag(help: "Show the next digest and when it is due (the default).")
    var preview = false

    @Flag(help: "Send what is held now, instead of at the next digest time.")
    var sendNow = false

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if preview && sendNow { throw ValidationError("give --preview or --send-now, not both") }
    }

    func run() async throws {
        let context = try options.makeContext()
        let reply = try await options.call(
            "notify", .digest(DigestRequest(id: id, action: sendNow ? .send : .preview)), as: DigestReply.self, context: context)
        if options.json {
            try printJSON(reply)
            return
        }
        guard let digest = reply.digest else {
            printLine("nothing held for \(id) (\(reply.schedule))")
            return
        }
        let when = reply.sent ? "sent now" : "due \(reply.dueAt.map(shortDate) ?? "now")"
        printLine("\(digest.stories.count) stor\(digest.stories.count == 1 ? "y" : "ies") for \(digest.query), \(when) (\(reply.schedule))")
        for story in digest.stories {
            let outlets = story.outlets.count == 1 ? "1 outlet" : "\(story.outlets.count) outlets"
            let update = story.update ? "  update, new: \(story.newOutlets.joined(separator: ", "))" : ""
            printLine("  \(shortDate(story.publishedAt))  \(story.headline)  (\(outlets): \(story.outlets.joined(separator: ", ")))\(update)")
        }
    }
}

/// `newsctl clock set TIME`: set the clock of every notify started with `--simulated-clock`.
struct ClockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clock", abstract: "Set the simulated clock of notify replicas (tests and demonstrations).",
        subcommands: [ClockSetCommand.self])
}

/// `newsctl clock set 2026-06-02T08:00:00Z`.
struct ClockSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Set every notify replica's simulated clock.")

    @Argument(help: "An RFC 3339 time.")
    var time: String

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if RFC3339.parse(time) == nil { throw ValidationError("\(time) is not an RFC 3339 time such as 2026-06-02T08:00:00Z") }
    }

    func run() async throws {
        let context = try options.makeContext()
        let endpoints = options.controlEndpoints("notify")
        guard !endpoints.isEmpty else { throw NewsctlError("no notify is running in \(options.layout.runDirectory)") }
        for endpoint in endpoints {
            let reading = try await options.client(endpoint: endpoint, stage: "notify", context: context)
                .call(.setClock(ClockSetRequest(at: RFC3339.parse(time)!)), as: ClockReading.self)
            if !options.json { printLine("\(endpoint)  \(RFC3339.format(reading.now))") } else { try printJSON(reading) }
        }
    }
}
