import ArgumentParser
import NewsModel

/// `newsctl search QUERY`: full-text search over indexed stories.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search indexed stories with the query language (see docs/QUERY.md).",
        discussion: "Example: newsctl search 'tariffs AND place:Iran'")

    @Argument(help: "The query; several words are joined with spaces.")
    var query: [String]

    @Option(help: "How many hits to show.")
    var limit = 10

    @Option(help: "How many hits to skip.")
    var offset = 0

    @Option(help: "relevance or date.")
    var sort: SearchRequest.Sort = .relevance

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let text = query.joined(separator: " ")
        _ = try parsedQuery(text)
        let context = try options.makeContext()
        let result = try await options.call(
            "index", .search(SearchRequest(query: text, limit: limit, offset: offset, sort: sort)), as: SearchResult.self,
            context: context)
        if options.json {
            // One object: the query in canonical form, the total and this page's hits.
            try printJSON(result)
            return
        }
        printLine("\(result.total) " + (result.total == 1 ? "story matches" : "stories match") + " \(result.query)")
        for (number, hit) in result.hits.enumerated() {
            printLine("")
            printLine("\(offset + number + 1). \(hit.headline)")
            var facts = [hit.source ?? "unknown source", shortDate(hit.publishedAt)]
            for (type, label) in [("place", "places"), ("person", "people"), ("organization", "orgs")] {
                if let names = hit.entities[type], !names.isEmpty { facts.append("\(label): " + names.joined(separator: ", ")) }
            }
            printLine("   " + facts.joined(separator: " · "))
            if !hit.topics.isEmpty { printLine("   topics: " + hit.topics.joined(separator: ", ")) }
            printLine("   " + hit.snippet)
            printLine("   id: \(hit.id)")
        }
    }
}

extension SearchRequest.Sort: ExpressibleByArgument {}
