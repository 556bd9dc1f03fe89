import Foundation
import Logging
import Synchronization

/// Serves a stage's control endpoint: decodes each request, checks it, runs the stage's handler within
/// the request's time budget and replies. Requests are handled concurrently, at most ``maxConcurrent``
/// at once; `status` is always answered, even when that many are running, so health checks never wait
/// behind a heavy search or a large submission.
public enum ControlLoop {
    /// The most requests (other than `status`) handled at once; more are refused as busy.
    public static let maxConcurrent = 16

    /// How long a request may run before it is stopped and answered with `over_budget`.
    public static func budget(for request: ControlRequest) -> Duration {
        switch request {
        case .status: .seconds(5)
        case .submit, .submitDocument, .resubmit: .seconds(60)
        case .search, .backfill, .stories: .seconds(15)
        case .subscribe(let subscribe): subscribe.backfillSeconds == nil ? .seconds(15) : .seconds(120)
        default: .seconds(15)
        }
    }

    /// Answers requests from `server` until it is closed.
    /// - Parameter handler: answers one request or throws a ``ControlFailure``; any other error is
    ///   reported to the client as an internal error.
    public static func serve(
        _ server: ReplyServer, logger: Logger,
        handler: @escaping @Sendable (ControlRequest) async throws -> any Encodable & Sendable
    ) async {
        let running = RunningCount()
        await withDiscardingTaskGroup { group in
            for await request in server.requests {
                let decoded: ControlRequest
                do {
                    decoded = try JSONCoding.decoder().decode(ControlRequest.self, from: request.body)
                    try decoded.validate()
                } catch {
                    request.reply(reply(to: error, logger: logger))
                    continue
                }
                let isStatus = decoded == .status
                guard isStatus || running.enter(limit: maxConcurrent) else {
                    request.reply(
                        ControlReply.failure(
                            ControlFailure(
                                code: .busy, message: "the stage is handling \(maxConcurrent) requests already; try again shortly")))
                    continue
                }
                group.addTask {
                    defer { if !isStatus { running.leave() } }
                    let answer: Data
                    do {
                        answer = try await withBudget(budget(for: decoded), method: decoded.method) {
                            ControlReply.success(try await handler(decoded))
                        }
                    } catch {
                        answer = reply(to: error, logger: logger)
                    }
                    request.reply(answer)
                }
            }
        }
    }

    /// Runs `body`, cancelling it once `budget` has passed (GRDB stops a cancelled statement).
    static func withBudget<T: Sendable>(
        _ budget: Duration, method: String, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: budget)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw ControlFailure(
                    code: .overBudget,
                    message: "\(method) took longer than its \(budget.components.seconds) s budget and was stopped; narrow it and try again")
            }
            return result
        }
    }

    private static func reply(to error: any Error, logger: Logger) -> Data {
        switch error {
        case let failure as ControlFailure:
            return ControlReply.failure(failure)
        case let error as DecodingError:
            return ControlReply.failure(ControlFailure(code: .badRequest, message: "bad request: \(DecodingErrorText.describe(error))"))
        case let storage as JournalStorageError:
            logger.critical("\(storage.message)")
            return ControlReply.failure(ControlFailure(code: .unavailable, message: storage.message))
        case is CancellationError:
            return ControlReply.failure(ControlFailure(code: .overBudget, message: "the request was stopped before it finished"))
        default:
            logger.error("control request failed", metadata: ["error": "\(error)"])
            return ControlReply.failure(ControlFailure(code: .internalError, message: "\(error)"))
        }
    }
}

/// How many requests are being handled.
private final class RunningCount: Sendable {
    private let count = Mutex(0)

    func enter(limit: Int) -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() { count.withLock { $0 -= 1 } }
}
