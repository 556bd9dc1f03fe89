import Foundation
import Logging
import Metrics
import NewsModel
import NewsTransport
import ServiceLifecycle
import Telemetry

/// The loop every stage runs: answer control requests and handle the batches of its input feed,
/// concurrently, until graceful shutdown or cancellation.
public enum StageLoop {
    /// Runs until SIGTERM, SIGINT or cancellation.
    ///
    /// Each input batch is acknowledged only after `handleBatch` returns, so its effects are stored
    /// before the producer forgets the messages. A batch whose handler throws is retried every second
    /// until it succeeds or the stage stops (and then it is sent again after the restart). Messages that
    /// do not decode are logged, counted and acknowledged.
    /// - Parameters:
    ///   - control: the stage's control endpoint.
    ///   - input: the stage's input feed, if it has one.
    ///   - handleRequest: answers a control request or throws a ``ControlFailure``.
    ///   - handleBatch: stores the effects of a batch of decoded messages.
    public static func run(
        runtime: StageRuntime, control: ReplyServer, input: FeedConsumer?,
        handleRequest: @escaping @Sendable (ControlRequest) async throws -> any Encodable & Sendable,
        handleBatch: @escaping @Sendable ([InboundMessage]) async throws -> Void
    ) async {
        if let input { runtime.observe(input: input) }
        await withTaskCancellationOrGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    await ControlLoop.serve(control, logger: runtime.logger, handler: handleRequest)
                }
                if let input {
                    group.addTask {
                        for await batch in input.deliveries {
                            await handle(batch, runtime: runtime, handleBatch: handleBatch)
                        }
                    }
                }
            }
        } onCancelOrGracefulShutdown: {
            runtime.logger.info("shutting down")
            input?.close()
            control.close()
        }
        await input?.waitUntilClosed()
    }

    private static func handle(
        _ batch: [FeedConsumer.Delivery], runtime: StageRuntime,
        handleBatch: @Sendable ([InboundMessage]) async throws -> Void
    ) async {
        var messages: [InboundMessage] = []
        for delivery in batch {
            if let message = delivery.message {
                messages.append(message)
            } else if let error = delivery.decodeError {
                runtime.counters.increment("decode_errors")
                runtime.counters.increment("decode_errors.\(error.code.rawValue)")
                Counter(label: "news_decode_failures_total", dimensions: [("stage", runtime.stage), ("code", error.code.rawValue)]).increment()
                runtime.logger.warning("skipped a message that does not decode", metadata: ["error": "\(error.message)"])
            }
        }
        runtime.counters.increment("received", by: messages.count)
        var topics: [String: Int] = [:]
        for message in messages { topics[Telemetry.topicLabel(message.topic), default: 0] += 1 }
        for (topic, count) in topics {
            Counter(label: "news_messages_received_total", dimensions: [("stage", runtime.stage), ("topic", topic)]).increment(by: count)
        }
        var attempt = 0
        while true {
            do {
                if !messages.isEmpty { try await handleBatch(messages) }
                break
            } catch {
                attempt += 1
                runtime.counters.increment("handle_errors")
                runtime.logger.error(
                    "could not handle a batch; retrying", metadata: ["attempt": "\(attempt)", "size": "\(messages.count)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
            }
        }
        for delivery in batch { delivery.acknowledge() }
        runtime.rate.record(batch.count)
    }
}
