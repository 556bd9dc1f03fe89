import ArgumentParser
import Foundation
import NewsModel

/// `ingest parse FILE|URL|-`: the parser on its own, without the pipeline.
struct IngestParseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Print the stories in a file, a feed URL or stdin as normalised JSON Lines, without starting the pipeline.",
        discussion: """
            Reads JSON Lines, RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 0.3/1.0, JSON Feed 1.1, CDF, story files (a \
            headline line, a blank line, the body) and digests (an article, then a list of headlines), \
            detected from the content. An http or https URL is fetched once, as `ingest` polls it. Each \
            story is printed as one JSON object with its stable id; a story without a readable date is \
            dated now with "publishedAtEstimated": true; an item without a title gets its first sentence \
            as headline, with "headlineDerived": true. Items that are not stories (no title and no text) \
            are skipped, each named with its reason on stderr. Problems go to stderr, and the exit status \
            is 1 if the document could not be read.
            """)

    @Argument(help: ArgumentHelp("The document: a file, an http(s) URL, or - for stdin.", valueName: "file|url"))
    var input: String

    @Option(help: "The source to record when the document names none (default: the file name or the URL's host).")
    var source: String?

    @Option(name: .customLong("fetch-timeout"), help: ArgumentHelp("Seconds a URL fetch may take.", valueName: "seconds"))
    var fetchTimeout = 30

    var isURL: Bool {
        let lower = input.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    func run() async throws {
        let content: InputContent
        let name: String
        if isURL {
            do {
                guard case .fetched(let data, _) = try await FeedFetcher(timeout: .seconds(fetchTimeout)).fetch(input) else {
                    throw ParseFailure(description: "\(input) answered 304 Not Modified to an unconditional request")
                }
                content = .document(data)
            } catch let error as FeedFetchError {
                throw ParseFailure(description: error.message)
            }
            name = source ?? URL(string: input)?.host ?? input
        } else {
            do {
                content = try await LineFileReader.open(input, maxDocumentBytes: SafeXML.maxBytes) { head in
                    InputFormat.detect(head) != .jsonLines
                }
            } catch {
                throw ParseFailure(description: error.description)
            }
            name = source ?? (input == "-" ? "stdin" : URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent)
        }
        let encoder = JSONCoding.encoder()
        var problems = 0
        let now = Date()
        func emit(_ story: Story) throws {
            FileHandle.standardOutput.write(try encoder.encode(story) + Data("\n".utf8))
        }
        func report(_ text: String) {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
        switch content {
        case .lines(let lines):
            for await line in lines {
                do {
                    guard let input = try line.storyInput() else { continue }
                    try emit(input.story(receivedAt: now))
                } catch let error as StoryInputError {
                    problems += 1
                    report("\(input):\(line.number): refused: \(error.message)")
                }
            }
        case .document(let data):
            do {
                let document = try await FeedReader.parse(data, source: name)
                let skipped = document.skipped.isEmpty ? "" : ", \(document.skipped.count) items skipped"
                report("\(input): \(document.format.rawValue), \(document.items.count) stories\(skipped)")
                for skipped in document.skipped {
                    report("\(input): skipped \(skipped)")
                }
                for item in document.items {
                    if let date = item.unreadDate {
                        report("\(input): item \(item.position): the date \"\(date)\" cannot be read; dated now, marked as estimated")
                    }
                    if item.headlineDerived {
                        report("\(input): item \(item.position): no title; the headline is made from its text")
                    }
                    try emit(item.input.story(receivedAt: now))
                }
            } catch let error as FeedParseError {
                problems += 1
                report("\(input): \(error.message)")
            }
        }
        if problems > 0 { throw ExitCode.failure }
    }
}

/// An input `ingest parse` cannot read at all; printed as one line, without the usage text.
struct ParseFailure: Error, CustomStringConvertible {
    let description: String
}
