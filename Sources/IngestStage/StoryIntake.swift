import Foundation
import Logging
import NewsModel
import ServiceLifecycle

/// Turns lines of the public input format into stories and publishes them: the one path that file,
/// stdin and submit-endpoint input all take.
public struct StoryIntake: Sendable {
    let runtime: StageRuntime
    let publisher: Publisher

    /// Creates the intake of a running `ingest`.
    public init(runtime: StageRuntime, publisher: Publisher) {
        self.runtime = runtime
        self.publisher = publisher
    }

    /// Parses and publishes one line. Blank lines are skipped and give nil.
    /// - Returns: the published story's id, or nil for a blank line.
    /// - Throws: ``StoryInputError`` for a line that is not a valid story.
    public func accept(_ line: String) throws(StoryInputError) -> String? {
        guard line.contains(where: { !$0.isWhitespace }) else { return nil }
        let story: Story
        do {
            story = try StoryInput.parse(line: line).story()
        } catch {
            runtime.counters.increment("refused")
            throw error
        }
        do {
            try runtime.publish(.story(story), topic: StreamTopic.storyIngested, originAt: story.receivedAt, on: publisher)
        } catch {
            runtime.counters.increment("refused")
            throw StoryInputError(message: "could not be published: \(error)")
        }
        runtime.counters.increment("accepted")
        return story.id
    }

    /// Accepts the lines of a submit request and says what became of each.
    public func submit(_ request: SubmitRequest) -> SubmitResult {
        var result = SubmitResult()
        for (offset, line) in request.lines.enumerated() {
            let number = request.firstLine + offset
            do {
                if let id = try accept(line) { result.accepted.append(.init(line: number, id: id)) }
            } catch {
                result.refused.append(.init(line: number, error: error.message))
            }
        }
        return result
    }

    /// Reads a whole input file (or stdin for `-`), logging each bad line with its number.
    public func ingest(file path: String) async {
        let logger = runtime.logger
        let lines: AsyncStream<InputLine>
        do {
            lines = try LineFileReader.lines(of: path)
        } catch {
            runtime.counters.increment("input_errors")
            logger.error("\(error)")
            return
        }
        var accepted = 0
        var refused = 0
        // Stop reading at graceful shutdown; the reader thread ends with the process.
        for await line in lines.cancelOnGracefulShutdown() {
            do {
                if try accept(line.text) != nil { accepted += 1 }
            } catch {
                refused += 1
                logger.warning("\(line.source):\(line.number): refused: \(error.message)")
            }
        }
        logger.info("read input file", metadata: ["file": "\(path)", "accepted": "\(accepted)", "refused": "\(refused)"])
    }
}
