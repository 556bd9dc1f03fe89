import AsyncAlgorithms
import Foundation
import Logging
import NewsModel
import NewsTransport
import ServiceLifecycle
import UnixSignals
import ZeroMQ

/// Ends (and so shuts the stage down) when the parent process exits: the process is then re-parented,
/// and `getppid()` changes.
struct ParentWatch: Service {
    let logger: Logger

    func run() async throws {
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
    public let counters = StageCounters()
    /// When the process started.
    public let startedAt = Date()
    private let meter = RateMeter()

    /// Creates the runtime of `stage`: refuses a libzmq older than 4.3.3, and with `curve` starts the
    /// ZAP handler and turns CURVE on for every socket.
    public init(stage: String, instance: String?, curve: CurveConfiguration? = nil, logger: Logger? = nil) throws(TransportError) {
        try TransportSecurity.checkLibrary()
        self.stage = stage
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
    /// context down. With `exitWithParent`, a parent that exits counts as SIGTERM.
    public func run(_ service: some Service, exitWithParent: Bool = false) async throws {
        logger.info(
            "starting", metadata: ["libzmq": "\(ZMQLibrary.versionString)", "epoch": "\(producer.epoch)", "pid": "\(getpid())"])
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: service)]
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
