import ArgumentParser
import Foundation
import NewsModel
import ZeroMQ

/// `newsctl status`: every stage's health and counters.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each stage's process, subscribers and counters; exit 1 if any stage is not answering.",
        discussion: """
            With --wait SECONDS, wait until all four stages answer and every stream has its downstream \
            subscribers connected (ingest's by tag, tag's by index and notify), then print the status.
            """)

    @OptionGroup var options: ClientOptions

    @Option(help: ArgumentHelp("Wait up to this many seconds for the pipeline to be ready.", valueName: "seconds"))
    var wait: Double?

    @Argument(help: "Only these stages (ingest, tag, index, notify).")
    var stages: [String] = []

    func validate() throws {
        let known = Set(["ingest", "tag", "index", "notify"])
        for stage in stages where !known.contains(stage) {
            throw ValidationError("unknown stage \"\(stage)\"; use ingest, tag, index or notify")
        }
    }

    /// Subscriptions each publishing stage needs before the pipeline is ready.
    static let expectedSubscribers = ["ingest": 1, "tag": 2]

    func run() async throws {
        let context = try ZMQContext()
        let chosen = options.controlEndpoints.filter { stages.isEmpty || stages.contains($0.stage) }
        let deadline = Date().addingTimeInterval(wait ?? 0)
        var results: [(String, Result<StageStatus, ControlClientError>)] = []
        while true {
            results = []
            for (stage, _) in chosen {
                do {
                    results.append((stage, .success(try await options.client(for: stage, context: context).call(.status, as: StageStatus.self))))
                } catch {
                    results.append((stage, .failure(error)))
                }
            }
            if wait == nil || Self.problems(results).isEmpty || Date() >= deadline { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        print(results)
        let problems = Self.problems(results)
        if !problems.isEmpty {
            if wait != nil { printError("pipeline not ready after \(wait!) s: " + problems.joined(separator: "; ")) }
            throw ExitCode.failure
        }
    }

    static func problems(_ results: [(String, Result<StageStatus, ControlClientError>)]) -> [String] {
        results.compactMap { stage, result in
            switch result {
            case .failure:
                return "\(stage) is not answering"
            case .success(let status):
                if let expected = expectedSubscribers[stage], (status.subscribers ?? 0) < expected {
                    return "\(stage) has \(status.subscribers ?? 0) of \(expected) downstream subscribers"
                }
                return nil
            }
        }
    }

    private func print(_ results: [(String, Result<StageStatus, ControlClientError>)]) {
        if options.json {
            for (stage, result) in results {
                switch result {
                case .success(let status): try? printJSON(status)
                case .failure(let error): try? printJSON(["stage": stage, "error": "\(error)"])
                }
            }
            return
        }
        printLine("STAGE    INSTANCE   PID      UP        SUBS  COUNTERS")
        for (stage, result) in results {
            switch result {
            case .success(let status):
                let up = Self.duration(Date().timeIntervalSince(status.startedAt))
                let counters = status.counters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                printLine(
                    pad(stage, 8) + " " + pad(status.instance, 10) + " " + pad("\(status.pid)", 8) + " " + pad(up, 9) + " "
                        + pad(status.subscribers.map(String.init) ?? "-", 5) + " " + counters)
            case .failure(let error):
                printLine(pad(stage, 8) + " NOT ANSWERING: \(error)")
            }
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func duration(_ seconds: TimeInterval) -> String {
        let total = Int(seconds)
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m\(total % 60)s" }
        return "\(total / 3600)h\(total % 3600 / 60)m"
    }
}
