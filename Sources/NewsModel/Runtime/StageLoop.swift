import Foundation
import Logging
import ServiceLifecycle

/// The loop every stage runs: answer control requests and handle the messages of its input stream,
/// concurrently, until graceful shutdown or cancellation closes both.
public enum StageLoop {
    /// Runs until SIGTERM, SIGINT or cancellation.
    /// - Parameters:
    ///   - control: the stage's control endpoint.
    ///   - input: the stage's input stream, if it has one.
    ///   - handleRequest: answers a control request or throws a ``ControlFailure``.
    ///   - handleMessage: handles one decoded message; messages that do not decode are counted and
    ///     logged by the runtime and never reach it.
    public static func run(
        runtime: StageRuntime, control: ReplyServer, input: Subscriber?,
        handleRequest: @escaping @Sendable (ControlRequest) async throws -> any Encodable & Sendable,
        handleMessage: @escaping @Sendable (InboundMessage) async -> Void
    ) async {
        await withTaskCancellationOrGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    await ControlLoop.serve(control, logger: runtime.logger, handler: handleRequest)
                }
                if let input {
                    group.addTask {
                        for await frames in input.messages {
                            guard let message = runtime.decode(frames) else { continue }
                            await handleMessage(message)
                        }
                    }
                }
            }
        } onCancelOrGracefulShutdown: {
            runtime.logger.info("shutting down")
            input?.close()
            control.close()
        }
    }
}
