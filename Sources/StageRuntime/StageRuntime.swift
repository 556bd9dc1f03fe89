import AsyncAlgorithms
import Foundation
import Logging
import Metrics
import NewsModel
import NewsTransport
import ServiceLifecycle
import Synchronization
import Telemetry
import UnixSignals
import ZeroMQ

/// Ends (and so shuts the process's service group down) when the parent process exits: the process is
/// then re-parented, and `getppid()` changes. Every stage's `--exit-with-parent` and the gateway's use it
/// (`make run`'s shell, a test); on a graceful shutdown it ends at once.
public struct ParentWatch: Service {
    let logger: Logger

    /// Watches for `logger`'s process.
    public init(logger: Logger) {
        self.logger = logger
    }

    /// Polls the parent twice a second until it has gone or the group shuts down.
    public func run() async throws {
        let parent = getppid()
        for await _ in AsyncTimerSequence(interval: .milliseconds(500), clock: .continuous).cancelOnGracefulShutdown()
        where getppid() != parent {
            logger.warning("the parent process \(parent) exited; stopping")
            return
        }
    }
}

/// What every stage process shares: its ZeroMQ context, logger, producer identity and counters, and
/// the service group that runs it until SIGTERM or SIGINT.
public final class StageRuntime: Sendable {
    /// The stage's name: `ingest`, `tag`, `index` or `notify`.
    public let stage: String
    /// Stamps this process's outgoing envelopes.
    public let producer: MessageProducer
    /// The process's one ZeroMQ context.
    public let context: ZMQContext
    /// The stage's logger.
    public let logger: Logger
    /// The stage's counters.
    public let counters: StageCounters
    /// When the process started.
    public let startedAt = Date()
    private let meter = RateMeter()
    /// The stage's input and output, once they are open, for readiness and the gauges at `/metrics`.
    private let observed = Mutex<(input: FeedConsumer?, output: StageOutput?)>((nil, nil))

    /// Creates the runtime of `stage`: refuses a libzmq older than 4.3.3, and with `curve` starts the
    /// ZAP handler and turns CURVE on for every socket.
    public init(stage: String, instance: String?, curve: CurveConfiguration? = nil, logger: Logger? = nil) throws(TransportError) {
        try TransportSecurity.checkLibrary()
        Telemetry.bootstrap()
        self.stage = stage
        self.counters = StageCounters(stage: stage)
        let instance = instance ?? "\(stage)-0"
        self.producer = MessageProducer(id: instance)
        var logger = logger ?? Logger(label: "news.\(stage)")
        logger[metadataKey: "instance"] = "\(instance)"
        self.logger = logger
        do {
            self.context = try ZMQContext()
        } catch {
            throw TransportError.from(error, endpoint: "")
        }
        if let curve {
            try TransportSecurity.enableCurve(curve, context: context, logger: logger)
            logger.info("CurveZMQ on", metadata: ["public-key": "\(curve.keyPair.publicKey)", "allowed": "\(curve.allowedClients.count)"])
        }
    }

    /// Runs `service` until it returns or the process gets SIGTERM or SIGINT, then shuts the ZeroMQ
    /// context down. With `exitWithParent`, a parent that exits counts as SIGTERM. With `metrics`
    /// (`host:port`), `/metrics`, `/healthz` and `/readyz` are served there, and the bound URL written
    /// to `metricsAddressFile`.
    public func run(
        _ service: some Service, exitWithParent: Bool = false, metrics: String? = nil, metricsAddressFile: String? = nil
    ) async throws {
        logger.info(
            "starting", metadata: ["libzmq": "\(ZMQLibrary.versionString)", "epoch": "\(producer.epoch)", "pid": "\(getpid())"])
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: service)]
        if let metrics, let address = TelemetryServer.parseAddress(metrics) {
            services.append(
                .init(
                    service: TelemetryServer(
                        host: address.host, port: address.port, addressFile: metricsAddressFile, logger: logger,
                        readiness: { [self] in readiness() }, beforeScrape: { [self] in updateGauges() })))
        }
        if exitWithParent {
            services.append(.init(service: ParentWatch(logger: logger), successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer { context.shutdown() }
        try await group.run()
        logger.info("stopped")
    }

    /// Records the stage's input and output once they are open (``StageLoop`` and ``StageOutput`` do).
    public func observe(input: FeedConsumer) {
        observed.withLock { $0.input = input }
    }

    /// Records the stage's output once it is open.
    public func observe(output: StageOutput) {
        observed.withLock { $0.output = output }
    }

    /// Ready when the stage's input (if it has one) is connected to at least one producer, and its
    /// journal (if it has one) is where it was opened.
    func readiness() -> Readiness {
        let (input, output) = observed.withLock { $0 }
        if let problem = output?.journal.storageProblem { return Readiness(ready: false, detail: problem) }
        guard let input else { return Readiness(ready: output != nil || stage == "index", detail: "no input feed") }
        let sources = input.sourceStatus
        let connected = sources.filter(\.connected)
        guard !connected.isEmpty else {
            return Readiness(ready: false, detail: sources.isEmpty ? "no upstream producer found yet" : "not connected to \(sources.map(\.endpoint))")
        }
        return Readiness(ready: true, detail: "reading \(connected.count) of \(sources.count) producers")
    }

    /// Sets the gauges a scrape reads: lag per source, journal entries and bytes, group backlogs.
    func updateGauges() {
        let (input, output) = observed.withLock { $0 }
        for source in input?.sourceStatus ?? [] {
            Gauge(label: "news_feed_lag", dimensions: [("stage", stage), ("source", source.producer ?? source.endpoint)]).record(source.lag)
        }
        if let output {
            let journal = output.journal
            let entries = journal.lastSequence >= journal.oldestSequence ? journal.lastSequence - journal.oldestSequence + 1 : 0
            Gauge(label: "news_journal_entries", dimensions: [("stage", stage)]).record(entries)
            Gauge(label: "news_journal_bytes", dimensions: [("stage", stage)]).record(journal.fileBytes)
            for group in output.feed.groups {
                Gauge(label: "news_feed_group_backlog", dimensions: [("stage", stage), ("group", group.group)]).record(group.backlog)
            }
        }
    }

    /// Input messages handled, for the throughput `status` shows.
    public var rate: RateMeter { meter }

    /// The stage's status for `newsctl status`.
    public func status(endpoints: [String: String], output: StageOutput?, input: FeedConsumer?) -> StageStatus {
        var status = StageStatus(
            stage: stage, instance: producer.id, pid: getpid(), startedAt: startedAt, epoch: producer.epoch,
            endpoints: endpoints, subscribers: output?.live?.subscriberCount,
            counters: counters.snapshot.merging(output?.feed.counters ?? [:]) { $1 },
            throughput: meter.perSecond(), lag: input?.lag, sources: input?.sourceStatus, feeds: output?.feed.groups)
        status.problem = output?.journal.storageProblem
        return status
    }

    /// A consumer of `sources` in this stage's group, named after this instance.
    public func consume(_ sources: FeedSources, window: Int = 256) -> FeedConsumer {
        FeedConsumer.start(
            context: context, sources: sources,
            hello: FeedHello(group: stage, instance: producer.id, window: window, start: .earliest, durable: true),
            logger: logger)
    }
}
