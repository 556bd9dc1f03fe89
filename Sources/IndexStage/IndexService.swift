import Logging
import Metrics
import NewsModel
import NewsTransport
import ServiceLifecycle
import StageRuntime

/// The `index` stage: reads tag's feeds as a member of the `index` group and stores every tagged story
/// in the full-text index; answers searches. Replicas share one index file.
public struct IndexService: Service {
    let runtime: StageRuntime
    let index: StoryIndex
    let sources: FeedSources
    let controlEndpoint: String

    /// Creates the service.
    public init(runtime: StageRuntime, index: StoryIndex, sources: FeedSources, control: String) {
        self.runtime = runtime
        self.index = index
        self.sources = sources
        self.controlEndpoint = control
    }

    public func run() async throws {
        let logger = runtime.logger
        let control = try await ReplyServer.bind(context: runtime.context, endpoint: controlEndpoint, logger: logger)
        let input = runtime.consume(sources)
        let endpoints = ["control": controlEndpoint]
        let runtime = self.runtime
        let index = self.index
        logger.info("indexing", metadata: ["endpoints": "\(endpoints)"])

        await StageLoop.run(
            runtime: runtime, control: control, input: input,
            handleRequest: { request in
                switch request {
                case .status:
                    var status = runtime.status(endpoints: endpoints, output: nil, input: input)
                    status.counters["stories"] = try await index.count()
                    return status
                case .search(let search):
                    runtime.counters.increment("searches")
                    let started = ContinuousClock.now
                    defer { Metrics.Timer(label: "news_search_duration_seconds").record(duration: ContinuousClock.now - started) }
                    return try await index.search(search)
                case .stories(let page):
                    return try await index.stories(page)
                case .backfill(let backfill):
                    return try await index.backfill(backfill)
                default:
                    throw ControlFailure(
                        code: .unknownMethod, message: "index answers search, stories, backfill and status, not \(request.method)")
                }
            },
            handleBatch: { messages in
                var stories: [TaggedStory] = []
                for message in messages {
                    guard case .taggedStory(let tagged) = message.envelope.payload else {
                        runtime.counters.increment("unexpected_kind")
                        continue
                    }
                    stories.append(tagged)
                }
                try await index.upsert(stories)
                runtime.counters.increment("indexed", by: stories.count)
            })
    }
}
