import ArgumentParser
import Foundation
import NewsModel

/// `newsctl retag`: stored stories through tag again, so the index and subscriptions see new tags.
struct RetagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retag",
        abstract: "Send stored stories through tag again (after a new taxonomy, topics file or model).",
        discussion: """
            Reads the stories index holds (oldest first, a page at a time) and hands them to ingest, which \
            journals them again unchanged, without the duplicate check; tag tags them with what it runs \
            now, index replaces their tags, and notify matches them again (a subscription is never \
            alerted twice for one story, so only new matches alert). Restart tag with the new data first.
            """)

    @Option(help: ArgumentHelp("Only stories received in this window, such as 7d or 12h (default: all).", valueName: "window"))
    var since: String?

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if let since, RetagCommand.seconds(since) == nil {
            throw ValidationError("--since takes a number with s, m, h or d, such as 7d")
        }
    }

    static func seconds(_ text: String) -> Int? {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let value = Int(text.dropLast()), value > 0 else { return nil }
        return value * unit
    }

    func run() async throws {
        let context = try options.makeContext()
        let since = self.since.flatMap(Self.seconds).map { Date().addingTimeInterval(-Double($0)) }
        var cursor: Int64?
        var total = 0
        repeat {
            let page = try await options.call(
                "index", .stories(StoriesRequest(since: since, after: cursor, limit: 500)), as: StoriesPage.self, context: context)
            if !page.stories.isEmpty {
                let result = try await options.call(
                    "ingest", .resubmit(ResubmitRequest(stories: page.stories)), as: SubmitResult.self, context: context,
                    defaultTimeout: ClientOptions.writeTimeout)
                total += result.accepted.count
            }
            cursor = page.next
        } while cursor != nil
        if options.json {
            try printJSON(["resubmitted": total])
        } else {
            printLine("sent \(total) stor\(total == 1 ? "y" : "ies") through tag again")
        }
    }
}
