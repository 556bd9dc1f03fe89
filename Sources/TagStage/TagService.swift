import Logging
import NewsModel
import ServiceLifecycle

/// The `tag` stage: reads `story.ingested`, tags each story, publishes `story.tagged`.
public struct TagService: Service {
    let runtime: StageRuntime
    let tagger: Tagger
    let inputs: [String]
    let publishEndpoint: String
    let controlEndpoint: String

    /// Creates the service.
    public init(runtime: StageRuntime, tagger: Tagger, inputs: [String], publish: String, control: String) {
        self.runtime = runtime
        self.tagger = tagger
        self.inputs = inputs
        self.publishEndpoint = publish
        self.controlEndpoint = control
    }

    public func run() async throws {
        let logger = runtime.logger
        let publisher = try await Publisher.bind(context: runtime.context, endpoint: publishEndpoint, logger: logger)
        let input = try await Subscriber.connect(
            context: runtime.context, endpoints: inputs, topics: [StreamTopic.storyIngested], logger: logger)
        let control = try await ReplyServer.bind(context: runtime.context, endpoint: controlEndpoint, logger: logger)
        let endpoints = ["input": inputs.joined(separator: " "), "publish": publishEndpoint, "control": controlEndpoint]
        let runtime = self.runtime
        let tagger = self.tagger
        logger.info("tagging", metadata: ["tagger": "\(tagger.version)", "endpoints": "\(endpoints)"])

        await StageLoop.run(
            runtime: runtime, control: control, input: input,
            handleRequest: { request in
                guard case .status = request else {
                    throw ControlFailure(code: .unknownMethod, message: "tag answers only status, not \(request.method)")
                }
                return runtime.status(endpoints: endpoints, publisher: publisher)
            },
            handleMessage: { message in
                guard case .story(let story) = message.envelope.payload else {
                    runtime.counters.increment("unexpected_kind")
                    return
                }
                let tagged = tagger.tag(story)
                do {
                    try runtime.publish(
                        .taggedStory(tagged), topic: StreamTopic.storyTagged, originAt: message.envelope.originAt,
                        on: publisher)
                } catch {
                    runtime.counters.increment("publish_errors")
                    logger.error("could not publish a tagged story", metadata: ["story": "\(story.id)", "error": "\(error)"])
                }
            })
        await publisher.close()
    }
}
