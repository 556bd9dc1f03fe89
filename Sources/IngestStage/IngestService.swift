import Logging
import NewsModel
import ServiceLifecycle

/// The `ingest` stage: takes stories from files, stdin and its submit endpoint, gives each a stable id
/// and journals it on its feed (`story.ingested`).
public struct IngestService: Service {
    let runtime: StageRuntime
    let files: [String]
    let watched: [String]
    let feedEndpoint: String
    let controlEndpoint: String
    let dataDirectory: String
    let retention: JournalRetention

    /// Creates the service.
    public init(
        runtime: StageRuntime, files: [String], watched: [String] = [], feed: String, control: String,
        dataDirectory: String, retention: JournalRetention
    ) {
        self.runtime = runtime
        self.files = files
        self.watched = watched
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
        let intake = StoryIntake(
            runtime: runtime, output: output,
            duplicates: try DuplicateDetector(path: dataDirectory + "/duplicates-\(runtime.producer.id).sqlite"))
        let endpoints = ["feed": feedEndpoint, "control": controlEndpoint]
        let runtime = self.runtime
        let files = self.files
        let watcher = watched.isEmpty
            ? nil
            : DirectoryWatcher(
                directories: watched, intake: intake,
                state: try IngestState(path: dataDirectory + "/ingest-state-\(runtime.producer.id).sqlite"), logger: logger)
        logger.info("ingesting", metadata: ["endpoints": "\(endpoints)", "files": "\(files)", "watching": "\(watched)"])

        await withDiscardingTaskGroup { group in
            group.addTask {
                for file in files { await intake.ingest(file: file) }
            }
            if let watcher {
                group.addTask { await watcher.run() }
            }
            group.addTask {
                await StageLoop.run(
                    runtime: runtime, control: control, input: nil,
                    handleRequest: { request in
                        switch request {
                        case .status:
                            return runtime.status(endpoints: endpoints, output: output, input: nil)
                        case .submit(let submission):
                            return try await intake.submit(submission)
                        case .submitDocument(let document):
                            return try await intake.submit(document: document)
                        default:
                            throw ControlFailure(
                                code: .unknownMethod, message: "ingest answers submit and status, not \(request.method)")
                        }
                    },
                    handleBatch: { _ in })
            }
        }
        await output.close()
    }
}
