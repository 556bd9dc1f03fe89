import ArgumentParser
import Foundation
import NewsModel

/// `ingest parse FILE|URL|-…`: the parser on its own, without the pipeline.
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
            is 1 if a document could not be read.

            Give many documents to one process (`ingest parse feeds/*.xml`): they are read in order and \
            one that cannot be read does not stop the rest. Starting a process costs about 25 ms (the \
            dynamic loader binds some 60 shared libraries), more than parsing a typical feed, so a \
            corpus read one process per file spends most of its time starting.
            """)

    @Argument(help: ArgumentHelp("The documents: files, http(s) URLs, or - for stdin.", valueName: "file|url"))
    var inputs: [String]

    @Option(help: "The source to record when the document names none (default: the file name or the URL's host).")
    var source: String?

    @Option(name: .customLong("fetch-timeout"), help: ArgumentHelp("Seconds a URL fetch may take.", valueName: "seconds"))
    var fetchTimeout = 30

    mutating func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("Give a document to read: a file, an http(s) URL, or - for stdin.") }
        guard inputs.filter({ $0 == "-" }).count <= 1 else { throw ValidationError("stdin (-) can be read once only.") }
    }

    static func isURL(_ input: String) -> Bool {
        let lower = input.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    func run() async throws {
        let encoder = JSONCoding.encoder()
        let now = Date()
        var failed = false
        for input in inputs {
            do {
                if try await parse(input, encoder: encoder, now: now) > 0 { failed = true }
            } catch let failure as ParseFailure {
                // One unreadable document is reported; the others are still read.
                FileHandle.standardError.write(Data((failure.description + "\n").utf8))
                failed = true
            }
        }
        if failed { throw ExitCode.failure }
    }

    /// Prints the stories of one document; returns the number of problems reported.
    private func parse(_ input: String, encoder: JSONEncoder, now: Date) async throws -> Int {
        let content: InputContent
        let name: String
        if Self.isURL(input) {
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
        var problems = 0
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
        return problems
    }
}

/// An input `ingest parse` cannot read at all; printed as one line, without the usage text.
struct ParseFailure: Error, CustomStringConvertible {
    let description: String
}
