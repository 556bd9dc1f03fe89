import ArgumentParser
import Foundation
import HTTPClient
import NewsModel
import NewsTransport
import StageRuntime

/// `notify`: the stage that turns matching stories into alerts.
public struct NotifyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Match every tagged story against stored subscriptions and publish alerts.",
        discussion: """
            Reads the feeds of every tag replica as a member of the notify group (replicas share the \
            stories and one database). Each alert is journaled once per (subscription, story) on the feed \
            and sent on the live stream with the topic alert.<subscription id>, so a client can follow one \
            subscription by prefix. Stops cleanly on SIGINT or SIGTERM.
            """)

    @OptionGroup var stage: StageOptions

    @Option(name: .customLong("input"), help: ArgumentHelp("A tag feed endpoint; repeatable (default: every <run-dir>/tag-*.feed).", valueName: "endpoint"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Endpoint of the reliable alert feed (default: <run-dir>/<instance>.feed).", valueName: "endpoint"))
    var feed: String?

    @Option(help: ArgumentHelp("Endpoint of the live alert stream (default: <run-dir>/<instance>.pub).", valueName: "endpoint"))
    var publish: String?

    @Option(help: ArgumentHelp("Control endpoint for subscriptions, alerts and status (default: <run-dir>/<instance>.ctl).", valueName: "endpoint"))
    var control: String?

    @Option(
        name: .customLong("webhook-allow"),
        help: ArgumentHelp(
            "A network webhooks may reach although it is loopback, private or link-local, such as 10.20.0.0/16; repeatable.",
            valueName: "cidr"))
    var webhookAllow: [String] = []

    @Option(help: ArgumentHelp("Seconds before a failed webhook delivery is first retried; each retry waits twice as long, up to an hour.", valueName: "seconds"))
    var webhookRetryBase: Double = 5

    @Option(help: ArgumentHelp("Attempts before a webhook delivery becomes a dead letter.", valueName: "n"))
    var webhookMaxAttempts = 10

    @Option(help: ArgumentHelp("The SMTP server for e-mail alerts: smtp://host:587 (STARTTLS required) or smtps://host:465.", valueName: "url"))
    var smtpURL: String?

    @Option(help: ArgumentHelp("The address e-mail alerts come from.", valueName: "address"))
    var smtpFrom: String?

    @Option(help: ArgumentHelp("A file with the SMTP user name on its first line and the password on its second (never on the command line).", valueName: "file"))
    var smtpCredentials: String?

    @Flag(help: "Allow an smtp:// server without STARTTLS (a local server, tests).")
    var smtpAllowPlaintext = false

    @Option(help: ArgumentHelp("A CA bundle to trust for the SMTP server (a private or test certificate).", valueName: "file"))
    var smtpCA: String?

    @Option(help: ArgumentHelp("Seconds one e-mail may take, connection to the server's last reply (connecting: at most 10).", valueName: "seconds"))
    var smtpTimeout: Double = 30

    @Option(help: ArgumentHelp("The most e-mail alerts one recipient gets in an hour; the rest wait, none is dropped.", valueName: "n"))
    var smtpMaxPerHour = 30

    @Option(help: ArgumentHelp("Where recipients unsubscribe, for the List-Unsubscribe header (https: one-click too).", valueName: "url"))
    var smtpUnsubscribeURL: String?

    @Option(
        help: ArgumentHelp(
            "Run schedules (digests, quiet hours, caps, spikes, silences) on a clock that starts at this RFC 3339 time and can be set with the clock_set control method; for tests and demonstrations.",
            valueName: "time"))
    var simulatedClock: String?

    @Option(help: ArgumentHelp("Also append every alert to this JSON Lines file.", valueName: "path"))
    var alertsFile: String?

    @Option(
        name: .customLong("index-control"),
        help: ArgumentHelp("An index control endpoint, for backfills; repeatable (default: every <run-dir>/index-*.ctl).", valueName: "endpoint"))
    var indexControls: [String] = []

    public init() {}

    public func validate() throws {
        for cidr in webhookAllow {
            do { _ = try CIDR(cidr) } catch { throw ValidationError("--webhook-allow: \(error)") }
        }
        if let simulatedClock, RFC3339.parse(simulatedClock) == nil {
            throw ValidationError("--simulated-clock takes an RFC 3339 time such as 2026-06-01T05:00:00Z, not \(simulatedClock)")
        }
        if (smtpURL == nil) != (smtpFrom == nil) { throw ValidationError("--smtp-url and --smtp-from go together") }
        if let smtpURL, !(smtpURL.hasPrefix("smtp://") || smtpURL.hasPrefix("smtps://")) {
            throw ValidationError("--smtp-url is smtp://host:port or smtps://host:port, not \(smtpURL)")
        }
        guard smtpTimeout > 0 && smtpTimeout <= 600 else { throw ValidationError("--smtp-timeout must be above 0 and at most 600 seconds") }
        guard smtpMaxPerHour >= 1 else { throw ValidationError("--smtp-max-per-hour must be 1 or more") }
        guard webhookRetryBase > 0, webhookMaxAttempts >= 1 else {
            throw ValidationError("--webhook-retry-base must be above 0 and --webhook-max-attempts at least 1")
        }
    }

    /// Webhook and e-mail delivery as the options say; the SMTP credentials come from their file.
    func policy() throws -> WebhookPolicy {
        var policy = WebhookPolicy(retryBase: webhookRetryBase, maximumAttempts: webhookMaxAttempts)
        if let smtpURL, let smtpFrom {
            var username: String?
            var password: String?
            if let smtpCredentials {
                guard let text = try? String(contentsOfFile: smtpCredentials, encoding: .utf8) else {
                    throw ValidationError("cannot read --smtp-credentials \(smtpCredentials)")
                }
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                guard lines.count >= 2, !lines[0].isEmpty else {
                    throw ValidationError("--smtp-credentials needs the user name on its first line and the password on its second")
                }
                (username, password) = (lines[0], lines[1])
            }
            policy.mail = SMTPSettings(
                url: smtpURL, from: smtpFrom, username: username, password: password, allowPlaintext: smtpAllowPlaintext, caFile: smtpCA,
                connectTimeout: .milliseconds(Int(min(10, smtpTimeout) * 1000)), timeout: .milliseconds(Int(smtpTimeout * 1000)))
        }
        policy.mailPerHour = smtpMaxPerHour
        policy.unsubscribeURL = smtpUnsubscribeURL
        return policy
    }

    public func run() async throws {
        stage.bootstrapLogging()
        let layout = stage.layout
        let clock = simulatedClock.flatMap(RFC3339.parse).map { NotifyClock.simulated(startingAt: $0) } ?? .system
        let store = try SubscriptionStore(path: stage.resolvedDataDirectory + "/notify.sqlite", clock: clock)
        let instance = stage.instanceName(stage: "notify")
        let runtime = try StageRuntime(stage: "notify", instance: instance, curve: try stage.curveConfiguration())
        try await runtime.run(
            NotifyService(
                runtime: runtime, store: store,
                sources: inputs.isEmpty ? layout.feeds(of: "tag") : FeedSources(endpoints: inputs),
                feed: feed ?? layout.feed(instance), live: publish ?? layout.live(instance),
                control: control ?? layout.control(instance), dataDirectory: stage.resolvedDataDirectory,
                retention: stage.retention, webhookGuard: AddressGuard(allowed: try webhookAllow.map { try CIDR($0) }),
                webhookPolicy: try policy(), alertsFile: alertsFile,
                indexControls: { [indexControls] in indexControls.isEmpty ? layout.controls(of: "index") : indexControls }),
            exitWithParent: stage.exitWithParent, metrics: stage.metrics,
            metricsAddressFile: stage.metricsAddressFile(stage: "notify"))
    }
}
