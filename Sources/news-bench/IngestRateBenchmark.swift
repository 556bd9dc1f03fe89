import Foundation
import NewsModel
import NewsTransport
import ZeroMQ

/// Ingest's rate from a JSON Lines file: the real `ingest` process reads the file (`--input`), checks
/// each story, gives it an id, runs the duplicate check and commits it to its journal. Timed from the
/// process start until its counters account for every line; no downstream stage runs.
enum IngestRateBenchmark {
    struct Result {
        var stories: Int
        var seconds: Double
        var storiesPerSecond: Double { Double(stories) / seconds }
    }

    /// Writes the corpus as JSON Lines (ids unique per line, so nothing is an exact duplicate).
    static func writeStories(corpus: BenchCorpus, path: String) throws {
        var text = ""
        let encoder = JSONEncoder()
        for (index, item) in corpus.items.enumerated() {
            let line: [String: String] = [
                "id": "bench-\(index)", "headline": item.headline, "body": item.body, "source": "Reuters",
                "publishedAt": "1987-03-\(String(format: "%02d", 1 + index % 28))T12:00:00Z", "language": "en",
            ]
            text += String(decoding: try encoder.encode(line), as: UTF8.self) + "\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func run(binaries: String, file: String, stories: Int) async throws -> Result {
        var template = Array("/tmp/ningest-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw BenchError("cannot make a temporary directory") }
        let runDirectory = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: runDirectory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binaries + "/ingest")
        process.arguments = [
            "--run-dir", runDirectory, "--log-level", "warning", "--exit-with-parent", "--input", file,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        let context = try ZMQContext()
        let client = ControlClient(
            stage: "ingest",
            client: RequestClient(context: context, endpoint: PipelineLayout(runDirectory: runDirectory).control("ingest-0"), timeout: .seconds(10)))
        let clock = ContinuousClock()
        let start = clock.now
        try process.run()
        while clock.now - start < .seconds(600) {
            if let status = try? await client.call(.status, as: StageStatus.self) {
                let counters = status.counters
                let done = (counters["accepted"] ?? 0) + (counters["duplicates"] ?? 0) + (counters["refused"] ?? 0)
                if done >= stories {
                    let elapsed = clock.now - start
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    return Result(stories: stories, seconds: seconds)
                }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("ingest did not take \(stories) stories within 600 s")
    }
}
