import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import ZeroMQ

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
    private let codec = WireCodec()

    /// Creates the runtime of `stage`.
    public init(stage: String, instance: String?, logger: Logger? = nil) throws(TransportError) {
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
    }

    /// Runs `service` until it returns or the process gets SIGTERM or SIGINT, then shuts the ZeroMQ
    /// context down.
    public func run(_ service: some Service) async throws {
        logger.info(
            "starting", metadata: ["libzmq": "\(ZMQLibrary.versionString)", "epoch": "\(producer.epoch)", "pid": "\(getpid())"])
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer { context.shutdown() }
        try await group.run()
        logger.info("stopped")
    }

    /// Decodes a received message, or logs and counts why it could not be decoded and returns nil.
    public func decode(_ frames: [Data]) -> InboundMessage? {
        do {
            let message = try codec.decode(frames)
            counters.increment("received")
            return message
        } catch {
            counters.increment("decode_errors")
            counters.increment("decode_errors.\(error.code.rawValue)")
            logger.warning("dropped a message that does not decode", metadata: ["error": "\(error.message)"])
            return nil
        }
    }

    /// Stamps `payload` with the next sequence number and sends it on `publisher` under `topic`.
    public func publish(_ payload: Payload, topic: String, originAt: Date, on publisher: Publisher) throws {
        let envelope = producer.envelope(payload, originAt: originAt)
        try publisher.send(try codec.encode(topic: topic, envelope: envelope))
        counters.increment("published")
    }

    /// The stage's status for `newsctl status`.
    public func status(endpoints: [String: String], publisher: Publisher?) -> StageStatus {
        StageStatus(
            stage: stage, instance: producer.id, pid: getpid(), startedAt: startedAt, epoch: producer.epoch,
            endpoints: endpoints, subscribers: publisher?.subscriberCount, counters: counters.snapshot)
    }
}
