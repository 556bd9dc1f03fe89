import Logging
import NewsModel
import ServiceLifecycle

/// The `ingest` stage: takes stories from files, stdin and its submit endpoint, gives each a stable id
/// and publishes `story.ingested`.
public struct IngestService: Service {
    let runtime: StageRuntime
    let files: [String]
    let publishEndpoint: String
    let controlEndpoint: String

    /// Creates the service.
    public init(runtime: StageRuntime, files: [String], publish: String, control: String) {
        self.runtime = runtime
        self.files = files
        self.publishEndpoint = publish
        self.controlEndpoint = control
    }

    public func run() async throws {
        let logger = runtime.logger
        let publisher = try await Publisher.bind(context: runtime.context, endpoint: publishEndpoint, logger: logger)
        let control = try await ReplyServer.bind(context: runtime.context, endpoint: controlEndpoint, logger: logger)
        let intake = StoryIntake(runtime: runtime, publisher: publisher)
        let endpoints = ["publish": publishEndpoint, "control": controlEndpoint]
        let runtime = self.runtime
        let files = self.files
        logger.info("ingesting", metadata: ["endpoints": "\(endpoints)", "files": "\(files)"])

        await withDiscardingTaskGroup { group in
            group.addTask {
                guard !files.isEmpty else { return }
                // Pub/sub drops what is sent before a subscriber has joined: wait for the first one.
                if publisher.subscriberCount == 0 {
                    logger.info("waiting for a subscriber before reading the input files")
                    while publisher.subscriberCount == 0 {
                        do {
                            try await Task.sleep(for: .milliseconds(50))
                        } catch {
                            return
                        }
                        if Task.isShuttingDownGracefully { return }
                    }
                }
                for file in files { await intake.ingest(file: file) }
            }
            group.addTask {
                await StageLoop.run(
                    runtime: runtime, control: control, input: nil,
                    handleRequest: { request in
                        switch request {
                        case .status:
                            return runtime.status(endpoints: endpoints, publisher: publisher)
                        case .submit(let submission):
                            return intake.submit(submission)
                        default:
                            throw ControlFailure(
                                code: .unknownMethod, message: "ingest answers submit and status, not \(request.method)")
                        }
                    },
                    handleMessage: { _ in })
            }
        }
        await publisher.close()
    }
}
