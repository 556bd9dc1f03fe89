import Foundation
import Logging
import NewsModel
import NewsTransport
import ServiceLifecycle
import StageRuntime

/// Turns lines of the public input format into stories and journals them: the one path that file,
/// stdin and submit-endpoint input all take.
public struct StoryIntake: Sendable {
    let runtime: StageRuntime
    let output: StageOutput
    let duplicates: DuplicateDetector

    /// Creates the intake of a running `ingest`.
    public init(runtime: StageRuntime, output: StageOutput, duplicates: DuplicateDetector) {
        self.runtime = runtime
        self.output = output
        self.duplicates = duplicates
    }

    /// Parses one line. Blank lines give nil.
    /// - Throws: ``StoryInputError`` for a line that is not a valid story.
    public func parse(_ line: String) throws(StoryInputError) -> Story? {
        guard line.contains(where: { !$0.isWhitespace }) else { return nil }
        return try StoryInput.parse(line: line).story()
    }

    /// Accepts the lines of a submit request: the valid ones are journaled (committed) before this
    /// returns, so an accepted story is never lost.
    public func submit(_ request: SubmitRequest) async throws -> SubmitResult {
        var result = SubmitResult()
        var stories: [(line: Int, story: Story)] = []
        for (offset, line) in request.lines.enumerated() {
            let number = request.firstLine + offset
            do {
                guard let story = try parse(line) else { continue }
                stories.append((number, story))
            } catch {
                result.refused.append(.init(line: number, error: error.message))
            }
        }
        let published = try await publish(stories)
        result.accepted = published.accepted
        result.duplicates = published.duplicates
        runtime.counters.increment("refused", by: result.refused.count)
        return result
    }

    /// Accepts a whole document (feed, story file or digest), journaling its stories before returning.
    /// - Throws: ``ControlFailure`` with code `badRequest` when the document cannot be read.
    public func submit(document request: SubmitDocumentRequest) async throws -> SubmitResult {
        let document: FeedDocument
        do {
            document = try await FeedReader.parse(request.data, source: request.source)
        } catch {
            runtime.counters.increment("document_errors")
            throw ControlFailure(code: .badRequest, message: "\(request.source): \(error.message)")
        }
        return try await submit(document, source: request.source)
    }

    /// Journals the stories of a parsed document before returning; its skipped items are counted
    /// (`feed_items_skipped`) and come back as refused, each with its position and reason.
    func submit(_ document: FeedDocument, source: String?) async throws -> SubmitResult {
        let items = document.items
        runtime.counters.increment("feed_items_skipped", by: document.skipped.count)
        let now = Date()
        for item in items where item.unreadDate != nil {
            runtime.logger.debug(
                "unreadable date; the story is dated when it was received",
                metadata: ["date": "\(item.unreadDate!)", "source": "\(item.source ?? source ?? "")"])
        }
        let published = try await publish(
            items.enumerated().map { ($0.element.position > 0 ? $0.element.position : $0.offset + 1, $0.element.input.story(receivedAt: now)) })
        return SubmitResult(
            accepted: published.accepted, refused: document.skipped.map { SubmitResult.Refused(line: $0.position, error: $0.description) },
            duplicates: published.duplicates)
    }

    /// Journals stored stories again, unchanged (ids, clusters and dates kept) and without the duplicate
    /// check, so that tag sees them with its current taxonomy and model (`newsctl retag`).
    func resubmit(_ stories: [Story]) async throws -> SubmitResult {
        try await output.emit(stories.map { (.story($0), StreamTopic.storyIngested, Date()) }, counters: runtime.counters)
        runtime.counters.increment("resubmitted", by: stories.count)
        return SubmitResult(accepted: stories.enumerated().map { .init(line: $0.offset + 1, id: $0.element.id) })
    }

    /// Journals the stories that are not exact duplicates (each with its near-duplicate cluster), then
    /// remembers them; counts what was accepted and skipped.
    private func publish(_ stories: [(line: Int, story: Story)]) async throws -> (accepted: [SubmitResult.Accepted], duplicates: [SubmitResult.Duplicate]) {
        let verdicts = try await duplicates.classify(stories.map(\.story))
        var fresh: [Story] = []
        var accepted: [SubmitResult.Accepted] = []
        var skipped: [SubmitResult.Duplicate] = []
        for (entry, verdict) in zip(stories, verdicts) {
            switch verdict {
            case .fresh(let story):
                fresh.append(story)
                accepted.append(.init(line: entry.line, id: story.id))
            case .duplicate(let original):
                skipped.append(.init(line: entry.line, id: entry.story.id, duplicateOf: original))
            }
        }
        try await output.emit(fresh.map { (.story($0), StreamTopic.storyIngested, $0.receivedAt) }, counters: runtime.counters)
        try await duplicates.record(fresh)
        runtime.counters.increment("accepted", by: accepted.count)
        runtime.counters.increment("duplicates", by: skipped.count)
        runtime.counters.increment("near_duplicates", by: fresh.filter { $0.clusterID != $0.id }.count)
        runtime.counters.increment("estimated_dates", by: fresh.filter { $0.publishedAtEstimated == true }.count)
        runtime.rate.record(stories.count)
        return (accepted, skipped)
    }

    /// How reading one input file ended.
    public enum FileOutcome: Sendable, Equatable {
        /// Read to its end (bad lines refused and logged on the way).
        case completed
        /// It could not be read, for the reason given.
        case failed(String)
        /// Shutdown stopped the reading before the end.
        case interrupted
    }

    /// Reads a whole input file (or stdin for `-`) in whatever format it is, detected from its first
    /// bytes: JSON Lines are streamed, each bad line logged with its number; a feed, story file or
    /// digest is read whole (at most ``SafeXML/maxBytes``) and its stories journaled.
    @discardableResult
    public func ingest(file path: String) async -> FileOutcome {
        let logger = runtime.logger
        let content: InputContent
        do {
            content = try await LineFileReader.open(path, maxDocumentBytes: SafeXML.maxBytes) { head in
                InputFormat.detect(head) != .jsonLines
            }
        } catch {
            runtime.counters.increment("input_errors")
            logger.error("\(error)")
            return .failed(error.description)
        }
        let lines: AsyncStream<InputLine>
        switch content {
        case .document(let data):
            let name = path == "-" ? "stdin" : URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            do {
                let result = try await submit(document: SubmitDocumentRequest(source: name, data: data))
                logger.info(
                    "read input file",
                    metadata: ["file": "\(path)", "accepted": "\(result.accepted.count)", "duplicates": "\(result.duplicates.count)"])
                return .completed
            } catch {
                runtime.counters.increment("input_errors")
                logger.error("cannot read \(path): \(error)")
                return .failed("\(error)")
            }
        case .lines(let stream):
            lines = stream
        }
        var accepted = 0
        var refused = 0
        var batch: [(line: Int, story: Story)] = []
        func flush() async -> Bool {
            guard !batch.isEmpty else { return true }
            while true {
                do {
                    accepted += try await publish(batch).accepted.count
                    batch.removeAll(keepingCapacity: true)
                    return true
                } catch {
                    logger.error("could not journal stories from \(path); retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                    if Task.isShuttingDownGracefully { return false }
                }
            }
        }
        // Stop reading at graceful shutdown; the reader thread ends with the process.
        for await line in lines.cancelOnGracefulShutdown() {
            do {
                if let story = try line.storyInput()?.story() { batch.append((line.number, story)) }
            } catch {
                refused += 1
                runtime.counters.increment("refused")
                logger.warning("\(line.source):\(line.number): refused: \(error.message)")
            }
            if batch.count >= 256, await !flush() { return .interrupted }
        }
        guard await flush(), !Task.isShuttingDownGracefully else { return .interrupted }
        logger.info("read input file", metadata: ["file": "\(path)", "accepted": "\(accepted)", "refused": "\(refused)"])
        return .completed
    }
}
