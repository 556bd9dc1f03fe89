import Logging
import NewsModel
import ServiceLifecycle

/// The `index` stage: stores every tagged story in the full-text index and answers searches.
public struct IndexService: Service {
    let runtime: StageRuntime
    let index: StoryIndex
    let inputs: [String]
    let controlEndpoint: String

    /// Creates the service.
    public init(runtime: StageRuntime, index: StoryIndex, inputs: [String], control: String) {
        self.runtime = runtime
        self.index = index
        self.inputs = inputs
        self.controlEndpoint = control
    }

    public func run() async throws {
        let logger = runtime.logger
        let input = try await Subscriber.connect(
            context: runtime.context, endpoints: inputs, topics: [StreamTopic.storyTagged], logger: logger)
        let control = try await ReplyServer.bind(context: runtime.context, endpoint: controlEndpoint, logger: logger)
        let endpoints = ["input": inputs.joined(separator: " "), "control": controlEndpoint]
        let runtime = self.runtime
        let index = self.index
        logger.info("indexing", metadata: ["endpoints": "\(endpoints)"])

        await StageLoop.run(
            runtime: runtime, control: control, input: input,
            handleRequest: { request in
                switch request {
                case .status:
                    var status = runtime.status(endpoints: endpoints, publisher: nil)
                    status.counters["stories"] = try await index.count()
                    return status
                case .search(let search):
                    runtime.counters.increment("searches")
                    return try await index.search(search)
                default:
                    throw ControlFailure(code: .unknownMethod, message: "index answers search and status, not \(request.method)")
                }
            },
            handleMessage: { message in
                guard case .taggedStory(let tagged) = message.envelope.payload else {
                    runtime.counters.increment("unexpected_kind")
                    return
                }
                do {
                    try await index.upsert(tagged)
                    runtime.counters.increment("indexed")
                } catch {
                    runtime.counters.increment("index_errors")
                    logger.error("could not index a story", metadata: ["story": "\(tagged.story.id)", "error": "\(error)"])
                }
            })
    }
}
