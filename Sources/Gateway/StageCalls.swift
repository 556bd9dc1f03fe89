import Foundation
import HTTPTypes
import NewsModel
import NewsTransport
import ZeroMQ

/// The gateway's way to the stages: their control sockets in the run directory (or given endpoints),
/// asked exactly as `newsctl` asks them, the first replica that answers.
public struct StageCalls: Sendable {
    /// Where the stages are.
    public let layout: PipelineLayout
    /// The ZeroMQ context every call's socket is made in.
    let context: ZMQContext
    /// How long a question waits for its answer.
    let timeout: Duration
    /// How long a write (a submit, which waits for the journal commit) waits.
    let writeTimeout: Duration

    /// Creates the calls for the pipeline in `layout`.
    public init(layout: PipelineLayout, context: ZMQContext, timeout: Duration = .seconds(10), writeTimeout: Duration = .seconds(60)) {
        self.layout = layout
        self.context = context
        self.timeout = timeout
        self.writeTimeout = writeTimeout
    }

    /// Sends `request` to the first replica of `stage` that answers.
    /// - Throws: ``APIProblem``: 503 when no replica answers, otherwise the stage's failure.
    func call<Result: Decodable & Sendable>(
        _ stage: String, _ request: ControlRequest, as type: Result.Type, write: Bool = false
    ) async throws(APIProblem) -> Result {
        let endpoints = layout.controls(of: stage)
        guard !endpoints.isEmpty else {
            throw APIProblem(.serviceUnavailable, "unavailable", "no \(stage) is running (no \(stage)-*.ctl in \(layout.runDirectory))")
        }
        var last: ControlClientError?
        for endpoint in endpoints {
            let client = ControlClient(
                stage: stage, client: RequestClient(context: context, endpoint: endpoint, timeout: write ? writeTimeout : timeout))
            do throws(ControlClientError) {
                return try await client.call(request, as: type)
            } catch {
                if case .unreachable = error {
                    last = error
                    continue
                }
                throw APIProblem.from(error)
            }
        }
        throw APIProblem.from(last!)
    }

    /// The feeds polled by the ingest replicas that answer, and those that do not.
    struct FeedListing: Sendable {
        /// Every answering replica's feeds.
        var feeds: [PolledFeed]
        /// Each replica that did not answer: its control endpoint and why.
        var unanswered: [(endpoint: String, problem: APIProblem)]
    }

    /// Every ingest replica's polled feeds; a replica that does not answer is listed in `unanswered`
    /// rather than hiding the others' feeds.
    /// - Throws: ``APIProblem`` 503 when no ingest runs.
    func allFeeds() async throws(APIProblem) -> FeedListing {
        let endpoints = layout.controls(of: "ingest")
        guard !endpoints.isEmpty else {
            throw APIProblem(.serviceUnavailable, "unavailable", "no ingest is running (no ingest-*.ctl in \(layout.runDirectory))")
        }
        var listing = FeedListing(feeds: [], unanswered: [])
        for endpoint in endpoints {
            let client = ControlClient(stage: "ingest", client: RequestClient(context: context, endpoint: endpoint, timeout: timeout))
            do throws(ControlClientError) {
                listing.feeds += try await client.call(.listFeeds, as: [PolledFeed].self)
            } catch {
                listing.unanswered.append((endpoint, APIProblem.from(error)))
            }
        }
        return listing
    }

    /// Stops polling `url` on whichever ingest replica polls it.
    /// - Throws: ``APIProblem`` 404 when none does.
    func removeFeed(_ url: String) async throws(APIProblem) -> PolledFeed {
        for endpoint in layout.controls(of: "ingest") {
            let client = ControlClient(stage: "ingest", client: RequestClient(context: context, endpoint: endpoint, timeout: timeout))
            do throws(ControlClientError) {
                return try await client.call(.removeFeed(FeedURLRequest(url: url)), as: PolledFeed.self)
            } catch {
                if case .failed(let failure) = error, failure.code == .notFound { continue }
                throw APIProblem.from(error)
            }
        }
        throw APIProblem(.notFound, "not_found", "no ingest replica polls \(url)")
    }

    /// Every replica of `stage`'s status, each answering or not.
    func statuses(_ stage: String) async -> [(endpoint: String, status: StageStatus?, error: String?)] {
        var result: [(String, StageStatus?, String?)] = []
        for endpoint in layout.controls(of: stage) {
            let client = ControlClient(stage: stage, client: RequestClient(context: context, endpoint: endpoint, timeout: timeout))
            do throws(ControlClientError) {
                result.append((endpoint, try await client.call(.status, as: StageStatus.self), nil))
            } catch {
                result.append((endpoint, nil, error.description))
            }
        }
        return result
    }
}
