import Foundation
import Logging
import NewsModel
import NewsTransport
import ServiceLifecycle
import StageRuntime

/// The `tag` stage: reads ingest's feeds as a member of the `tag` group, tags each story and journals
/// it on its own feed (`story.tagged`).
public struct TagService: Service {
    let runtime: StageRuntime
    let tagger: Tagger
    let sources: FeedSources
    let feedEndpoint: String
    let controlEndpoint: String
    let dataDirectory: String
    let retention: JournalRetention

    /// Creates the service.
    public init(
        runtime: StageRuntime, tagger: Tagger, sources: FeedSources, feed: String, control: String, dataDirectory: String,
        retention: JournalRetention
    ) {
        self.runtime = runtime
        self.tagger = tagger
        self.sources = sources
        self.feedEndpoint = feed
        self.controlEndpoint = control
        self.dataDirectory = dataDirectory
        self.retention = retention
    }

    public func run() async throws {
        let logger = runtime.logger
        let output = try await StageOutput.open(
            runtime: runtime, dataDirectory: dataDirectory, feedEndpoint: feedEndpoint, retention: retention)
        let control = try await ReplyServer.bind(context: runtime.context, endpoint: controlEndpoint, logger: logger)
        let input = runtime.consume(sources)
        let endpoints = ["feed": feedEndpoint, "control": controlEndpoint]
        let runtime = self.runtime
        let tagger = self.tagger
        logger.info("tagging", metadata: ["tagger": "\(tagger.version)", "endpoints": "\(endpoints)"])

        await StageLoop.run(
            runtime: runtime, control: control, input: input,
            handleRequest: { request in
                guard case .status = request else {
                    throw ControlFailure(code: .unknownMethod, message: "tag answers only status, not \(request.method)")
                }
                return runtime.status(endpoints: endpoints, output: output, input: input)
            },
            handleBatch: { messages in
                var items: [(payload: Payload, topic: String, originAt: Date)] = []
                for message in messages {
                    guard case .story(let story) = message.envelope.payload else {
                        runtime.counters.increment("unexpected_kind")
                        continue
                    }
                    items.append((.taggedStory(tagger.tag(story)), StreamTopic.storyTagged, message.envelope.originAt))
                }
                try await output.emit(items, counters: runtime.counters)
            })
        await output.close()
    }
}
