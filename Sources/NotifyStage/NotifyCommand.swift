import ArgumentParser
import NewsModel

/// `notify`: the stage that turns matching stories into alerts.
public struct NotifyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Match every tagged story against stored subscriptions and publish alerts.",
        discussion: """
            Subscribes to tag's story.tagged stream. Subscriptions are stored under the data directory. \
            Each alert is published once per (subscription, story) with the topic alert.<subscription id>, \
            so a client can follow one subscription by prefix. Stops cleanly on SIGINT or SIGTERM.
            """)

    @OptionGroup var stage: StageOptions

    @Option(name: .customLong("input"), help: ArgumentHelp("tag's stream endpoint; repeatable (default: <run-dir>/tagged.pub).", valueName: "endpoint"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Endpoint to publish alerts on (default: <run-dir>/alerts.pub).", valueName: "endpoint"))
    var publish: String?

    @Option(help: ArgumentHelp("Control endpoint for subscriptions, alerts and status (default: <run-dir>/notify.ctl).", valueName: "endpoint"))
    var control: String?

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Where notify.sqlite lives (default: <run-dir>/data).", valueName: "dir"))
    var dataDirectory: String?

    public init() {}

    public func run() async throws {
        stage.bootstrapLogging()
        let layout = stage.layout
        let store = try SubscriptionStore(path: (dataDirectory ?? layout.dataDirectory) + "/notify.sqlite")
        let runtime = try StageRuntime(stage: "notify", instance: stage.instance)
        try await runtime.run(
            NotifyService(
                runtime: runtime, store: store, inputs: inputs.isEmpty ? [layout.tagged] : inputs,
                publish: publish ?? layout.alerts, control: control ?? layout.notifyControl))
    }
}
