import ArgumentParser
import Foundation
import NewsModel
import NewsTransport

/// `newsctl status`: every replica of every stage, with its throughput, lag and counters.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every stage replica: process, throughput, lag and counters; exit 1 if a stage has none answering.",
        discussion: """
            With --wait SECONDS, wait until every stage has a replica answering and every consumer replica \
            is connected to every replica of the stage it reads, then print the status.
            """)

    @Option(help: ArgumentHelp("Wait up to this many seconds for the pipeline to be ready.", valueName: "seconds"))
    var wait: Double?

    @Argument(help: "Only these stages (ingest, tag, index, notify).")
    var stages: [String] = []

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func validate() throws {
        for stage in stages where !PipelineLayout.stages.contains(stage) {
            throw ValidationError("unknown stage \"\(stage)\"; use ingest, tag, index or notify")
        }
    }

    typealias Reply = (stage: String, endpoint: String, result: Result<StageStatus, ControlClientError>)

    func run() async throws {
        let context = try options.makeContext()
        let chosen = stages.isEmpty ? PipelineLayout.stages : PipelineLayout.stages.filter(stages.contains)
        let deadline = Date().addingTimeInterval(wait ?? 0)
        var replies: [Reply] = []
        var problems: [String] = []
        while true {
            replies = []
            for stage in chosen {
                for endpoint in options.controlEndpoints(stage) {
                    do {
                        let status = try await options.client(endpoint: endpoint, stage: stage, context: context)
                            .call(.status, as: StageStatus.self)
                        replies.append((stage, endpoint, .success(status)))
                    } catch {
                        replies.append((stage, endpoint, .failure(error)))
                    }
                }
            }
            problems = Self.problems(replies, stages: chosen, options: options)
            if wait == nil || problems.isEmpty || Date() >= deadline { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        show(replies)
        if !problems.isEmpty {
            printError((wait == nil ? "" : "pipeline not ready after \(wait!) s: ") + problems.joined(separator: "; "))
            throw ExitCode.failure
        }
    }

    static func problems(_ replies: [Reply], stages: [String], options: ClientOptions) -> [String] {
        var problems: [String] = []
        for stage in stages {
            let answering = replies.filter { $0.stage == stage }.compactMap { try? $0.result.get() }
            if answering.isEmpty {
                problems.append("no \(stage) replica is answering")
                continue
            }
            for status in answering {
                if let problem = status.problem { problems.append("\(status.instance): \(problem)") }
            }
            guard let upstream = PipelineLayout.upstream[stage] else { continue }
            // Every consumer must have joined the feed of every upstream replica that is running.
            let upstreamReplies = replies.filter { $0.stage == upstream }
            let producers =
                upstreamReplies.isEmpty
                ? options.controlEndpoints(upstream).count
                : upstreamReplies.filter { (try? $0.result.get()) != nil }.count
            for status in answering {
                let connected = (status.sources ?? []).filter(\.connected).count
                if connected < max(1, producers) {
                    problems.append("\(status.instance) is connected to \(connected) of \(max(1, producers)) \(upstream) feeds")
                }
            }
        }
        return problems
    }

    private func show(_ replies: [Reply]) {
        if options.json {
            for reply in replies {
                switch reply.result {
                case .success(let status): try? printJSON(status)
                case .failure(let error): try? printJSON(["stage": reply.stage, "endpoint": reply.endpoint, "error": "\(error)"])
                }
            }
            return
        }
        printLine("INSTANCE   PID      UP        MSG/S   LAG      COUNTERS")
        for reply in replies {
            switch reply.result {
            case .success(let status):
                let up = Self.duration(Date().timeIntervalSince(status.startedAt))
                let counters = status.counters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                printLine(
                    pad(status.instance, 10) + " " + pad("\(status.pid)", 8) + " " + pad(up, 9) + " "
                        + pad(String(format: "%.1f", status.throughput), 7) + " " + pad(status.lag.map { "\($0)" } ?? "-", 8) + " "
                        + counters)
                if let problem = status.problem { printLine("           PROBLEM: \(problem)") }
            case .failure(let error):
                printLine(pad(reply.endpoint, 10) + " NOT ANSWERING: \(error)")
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
