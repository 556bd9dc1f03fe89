import ArgumentParser
import Foundation
import NewsModel

/// `ingest parse FILE|-`: the parser on its own, without the pipeline.
struct IngestParseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Print the stories in a file as normalised JSON Lines, without starting the pipeline.",
        discussion: """
            Reads JSON Lines, RSS 0.9x/2.0, RSS 1.0 (RDF), Atom 0.3/1.0, JSON Feed 1.1, story files (a \
            headline line, a blank line, the body) and digests (an article, then a list of headlines), \
            detected from the content. Each story is printed as one JSON object with its stable id; \
            problems go to stderr, and the exit status is 1 if there were any.
            """)

    @Argument(help: ArgumentHelp("The document; - reads stdin.", valueName: "file"))
    var file: String

    @Option(help: "The source to record when the document names none (default: the file name).")
    var source: String?

    func run() async throws {
        let data: Data
        do {
            data = try await DedicatedThread.run(name: "read \(file)") { () throws -> Data in
                if file == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
                return try Data(contentsOf: URL(fileURLWithPath: file))
            }
        } catch {
            throw ValidationError("cannot read \(file): \(error.localizedDescription)")
        }
        let name = source ?? (file == "-" ? nil : URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent)
        let encoder = JSONCoding.encoder()
        var problems = 0
        let now = Date()
        func emit(_ story: Story) throws {
            FileHandle.standardOutput.write(try encoder.encode(story) + Data("\n".utf8))
        }
        if FeedReader.detect(data) == .jsonLines {
            for (offset, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains(where: { !$0.isWhitespace }) {
                do {
                    try emit(try StoryInput.parse(line: line).story(receivedAt: now))
                } catch let error as StoryInputError {
                    problems += 1
                    FileHandle.standardError.write(Data("\(file):\(offset + 1): refused: \(error.message)\n".utf8))
                }
            }
        } else {
            do {
                let (format, items) = try FeedReader.read(data, source: name)
                FileHandle.standardError.write(Data("\(file): \(format.rawValue), \(items.count) stories\n".utf8))
                for item in items { try emit(item.input.story(receivedAt: now)) }
            } catch let error as FeedParseError {
                problems += 1
                FileHandle.standardError.write(Data("\(file): \(error.message)\n".utf8))
            }
        }
        if problems > 0 { throw ExitCode.failure }
    }
}
