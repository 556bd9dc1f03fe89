import Foundation
import Logging
import NewsModel
import NewsTransport
import Synchronization

/// Serves a stage's control endpoint: decodes each request, checks it, runs the stage's handler within
/// the request's time budget and replies. Reads (searches, listings, subscriptions) are handled
/// concurrently, at most ``maxConcurrent`` at once; submissions (`submit`, `submit_document`,
/// `resubmit`) take turns in one lane, since they all end in the one journal and running them side by
/// side would only make them contend for it and for the cooperative pool; `status` is always answered
/// at once, so health checks never wait behind a heavy search or a large submission.
public enum ControlLoop {
    /// The most reads handled at once; more are refused as busy.
    public static let maxConcurrent = 16
    /// The most submissions waiting for their turn; more are refused as busy.
    public static let maxQueuedSubmissions = 64

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
        let queued = RunningCount()
        let (submissions, submissionQueue) = AsyncStream<(ReceivedControlRequest, ReplyServer.Request)>.makeStream()
        @Sendable func answer(_ received: ReceivedControlRequest, _ request: ReplyServer.Request) async {
            let decoded = received.request
            let reply: Data
            do {
                // Work whose client has stopped waiting is not started, and stops when the client would.
                var budget = budget(for: decoded)
                if let timeout = received.timeoutMilliseconds {
                    let left = Duration.milliseconds(max(0, timeout)) - (ContinuousClock.now - request.receivedAt)
                    guard left > .zero else {
                        throw ControlFailure(code: .overBudget, message: "the client stopped waiting before the request's turn came")
                    }
                    // A read is stopped when its client stops waiting. A submission, once started, runs to
                    // its end within its own budget: what it journals is then there when the client tries
                    // again (and is skipped as a duplicate), so a slow intake still makes progress.
                    if !decoded.isSubmission { budget = min(budget, left) }
                }
                reply = try await withBudget(budget, method: decoded.method) {
                    ControlReply.success(try await handler(decoded))
                }
            } catch {
                reply = Self.reply(to: error, logger: logger)
            }
            request.reply(reply)
        }
        await withDiscardingTaskGroup { group in
            group.addTask {
                // The submissions' lane: one at a time, in order of arrival.
                for await (decoded, request) in submissions {
                    await answer(decoded, request)
                    queued.leave()
                }
            }
            for await request in server.requests {
                let received: ReceivedControlRequest
                do {
                    received = try JSONCoding.decoder().decode(ReceivedControlRequest.self, from: request.body)
                    try received.request.validate()
                } catch {
                    request.reply(reply(to: error, logger: logger))
                    continue
                }
                switch received.request {
                case .status:
                    group.addTask { await answer(received, request) }
                case let submission where submission.isSubmission:
                    guard queued.enter(limit: maxQueuedSubmissions) else {
                        request.reply(busy("\(maxQueuedSubmissions) submissions are waiting already"))
                        continue
                    }
                    submissionQueue.yield((received, request))
                default:
                    guard running.enter(limit: maxConcurrent) else {
                        request.reply(busy("the stage is handling \(maxConcurrent) requests already"))
                        continue
                    }
                    group.addTask {
                        await answer(received, request)
                        running.leave()
                    }
                }
            }
            submissionQueue.finish()
        }
    }

    private static func busy(_ why: String) -> Data {
        ControlReply.failure(ControlFailure(code: .busy, message: "\(why); try again shortly"))
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
                    message: "\(method) took longer than its \(String(format: "%.1f", Double(budget.components.seconds) + Double(budget.components.attoseconds) / 1e18)) s budget and was stopped; narrow it and try again")
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

extension ControlRequest {
    /// Whether the request takes stories in (`submit`, `submit_document`, `resubmit`): these take turns.
    var isSubmission: Bool {
        switch self {
        case .submit, .submitDocument, .resubmit: true
        default: false
        }
    }
}
