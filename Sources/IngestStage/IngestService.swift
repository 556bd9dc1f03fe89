import Foundation
import HTTPClient
import Logging
import NewsModel
import NewsTransport
import ServiceLifecycle
import StageRuntime

/// The `ingest` stage: takes stories from files, stdin, watched directories, polled feed URLs and its
/// submit endpoint, gives each a stable id and journals it on its feed (`story.ingested`).
public struct IngestService: Service {
    let runtime: StageRuntime
    let files: [String]
    let watched: [String]
    let polled: [FeedAddRequest]
    let fetcher: FeedFetcher
    let feedEndpoint: String
    let controlEndpoint: String
    let dataDirectory: String
    let retention: JournalRetention

    /// Creates the service.
    public init(
        runtime: StageRuntime, files: [String], watched: [String] = [], polled: [FeedAddRequest] = [],
        fetcher: FeedFetcher = FeedFetcher(), feed: String, control: String, dataDirectory: String, retention: JournalRetention
    ) {
        self.runtime = runtime
        self.files = files
        self.watched = watched
        self.polled = polled
        self.fetcher = fetcher
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
        let registry = try FeedRegistry(
            path: dataDirectory + "/feeds-\(runtime.producer.id).sqlite", instance: runtime.producer.id)
        for feed in polled { _ = try await registry.add(feed) }
        let poller = FeedPoller(registry: registry, fetcher: fetcher, intake: intake, logger: logger)
        let feedCount = try await registry.all().count
        logger.info(
            "ingesting",
            metadata: ["endpoints": "\(endpoints)", "files": "\(files)", "watching": "\(watched)", "feeds": "\(feedCount)"])

        await withDiscardingTaskGroup { group in
            group.addTask {
                for file in files { await intake.ingest(file: file) }
            }
            if let watcher {
                group.addTask { await watcher.run() }
            }
            group.addTask { await poller.run() }
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
                        case .resubmit(let request):
                            return try await intake.resubmit(request.stories)
                        case .addFeed(let feed):
                            try Self.validate(feed)
                            // Refused early when the address is known to be off limits; checked again at every fetch and redirect.
                            if let addressGuard = fetcher.addressGuard, case .failure(let error) = await addressGuard.checkOffPool(feed.url),
                                error.isPermanent
                            {
                                throw ControlFailure(code: .badRequest, message: error.message)
                            }
                            return try await registry.add(feed)
                        case .listFeeds:
                            return try await registry.all()
                        case .removeFeed(let feed):
                            guard let removed = try await registry.remove(url: feed.url) else {
                                throw ControlFailure(code: .notFound, message: "\(runtime.producer.id) does not poll \(feed.url)")
                            }
                            return removed
                        default:
                            throw ControlFailure(
                                code: .unknownMethod,
                                message: "ingest answers submit, submit_document, resubmit, feeds, feeds_add, feeds_remove and status, not \(request.method)")
                        }
                    },
                    handleBatch: { _ in })
            }
        }
        await output.close()
    }

    /// Refuses a feed that cannot be polled: not http(s), or an interval below the minimum.
    static func validate(_ feed: FeedAddRequest) throws(ControlFailure) {
        guard let url = URL(string: feed.url), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host?.isEmpty == false
        else {
            throw ControlFailure(code: .badRequest, message: "\(feed.url) is not an http or https URL")
        }
        guard feed.intervalSeconds >= PolledFeed.minimumIntervalSeconds else {
            throw ControlFailure(
                code: .badRequest, message: "the interval must be at least \(PolledFeed.minimumIntervalSeconds) s, not \(feed.intervalSeconds)")
        }
    }
}
