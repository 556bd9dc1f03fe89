import ArgumentParser
import Foundation
import NewsModel

/// `newsctl publish FILE|-`: send JSON Lines stories to `ingest`.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish JSON Lines stories from files or stdin (-).",
        discussion: """
            Takes JSON Lines (one story per line: {"headline": "...", "body": "..."} with optional "id", \
            "url", "source", "publishedAt" (RFC 3339) and "language"), RSS, Atom, JSON Feed, story files \
            and digests, detected from the content. Bad lines are reported with their line number and the \
            rest is published; the exit status is 1 when anything was refused.
            """)

    @Argument(help: ArgumentHelp("JSON Lines files; - reads stdin.", valueName: "file"))
    var files: [String]

    /// Where the pipeline is and how to reach it, shared by every command (listed after the command's own).
    @OptionGroup var options: ClientOptions

    /// Prints, per line, what ingest did: JSON Lines with --json, refusals on stderr otherwise.
    func report(_ result: SubmitResult, file: String) throws {
        for entry in result.refused {
            if options.json {
                try printJSON(PublishReport(file: file, line: entry.line, status: "refused", id: nil, error: entry.error))
            } else {
                printError("\(file):\(entry.line): refused: \(entry.error)")
            }
        }
        guard options.json else { return }
        for entry in result.accepted {
            try printJSON(PublishReport(file: file, line: entry.line, status: "accepted", id: entry.id, error: nil))
        }
        for entry in result.duplicates {
            try printJSON(PublishReport(file: file, line: entry.line, status: "duplicate", id: entry.id, error: "duplicate of \(entry.duplicateOf)"))
        }
    }

    /// The whole file when it is not JSON Lines (those are sent line by line), else nil.
    static func document(_ file: String) async throws -> Data? {
        guard file != "-" else { return nil }
        return try await DedicatedThread.run(name: "read \(file)") { () throws -> Data? in
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw NewsctlError("cannot read \(file): no such file or no permission")
            }
            defer { try? handle.close() }
            guard InputFormat.detect(handle.readData(ofLength: 4096)) != .jsonLines else { return nil }
            try handle.seek(toOffset: 0)
            let data = handle.readDataToEndOfFile()
            guard data.count <= StoryLimits.documentBytes else {
                throw NewsctlError("\(file) is \(data.count) bytes, larger than the 16 MiB (\(StoryLimits.documentBytes) bytes) a document may be")
            }
            return data
        }
    }

    static let batchLines = 500
    static let batchBytes = 4 << 20

    func run() async throws {
        let context = try options.makeContext()
        var accepted = 0
        var refused = 0
        var duplicates = 0
        var read = 0
        var progress = PublishProgress(files: files, json: options.json)
        defer { progress.finish() }
        for file in files {
            if let document = try await Self.document(file) {
                // A feed, story file or digest: ingest parses it as a whole.
                let name = file == "-" ? "stdin" : URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
                let result = try await options.call(
                    "ingest", .submitDocument(SubmitDocumentRequest(source: name, data: document)), as: SubmitResult.self,
                    context: context, defaultTimeout: ClientOptions.writeTimeout)
                accepted += result.accepted.count
                duplicates += result.duplicates.count
                read += result.accepted.count + result.duplicates.count + result.refused.count
                progress.read(bytes: document.count)
                progress.draw(read: read, accepted: accepted, refused: refused, force: true)
                try report(result, file: file)
                continue
            }
            let lines = try LineFileReader.lines(of: file)
            var batch: [String] = []
            var batchBytes = 0
            var firstLine = 1
            func flush() async throws {
                guard !batch.isEmpty else { return }
                let result = try await options.call(
                    "ingest", .submit(SubmitRequest(source: file, firstLine: firstLine, lines: batch)), as: SubmitResult.self,
                    context: context, defaultTimeout: ClientOptions.writeTimeout)
                accepted += result.accepted.count
                refused += result.refused.count
                duplicates += result.duplicates.count
                progress.draw(read: read, accepted: accepted, refused: refused)
                try report(result, file: file)
                batch.removeAll(keepingCapacity: true)
                batchBytes = 0
            }
            for await line in lines {
                read += 1
                progress.read(bytes: line.oversizeBytes ?? line.text.utf8.count)
                if batch.isEmpty { firstLine = line.number }
                if let size = line.oversizeBytes {
                    // Refused here: ingest would refuse it too, and it must not travel. A blank line keeps
                    // the batch's numbering.
                    refused += 1
                    let message = StoryLimits.tooLarge("the line", bytes: size, limit: StoryLimits.lineBytes)
                    if options.json {
                        try printJSON(PublishReport(file: file, line: line.number, status: "refused", id: nil, error: message))
                    } else {
                        printError("\(file):\(line.number): refused: \(message)")
                    }
                    batch.append("")
                    continue
                }
                batch.append(line.text)
                batchBytes += line.text.utf8.count
                if batch.count >= Self.batchLines || batchBytes >= Self.batchBytes { try await flush() }
            }
            try await flush()
        }
        progress.draw(read: read, accepted: accepted, refused: refused, force: true)
        progress.finish()
        progress = PublishProgress(files: [], json: true)
        if !options.json {
            printLine(
                "published \(accepted) " + (accepted == 1 ? "story" : "stories")
                    + (duplicates > 0 ? ", skipped \(duplicates) already published" : "")
                    + (refused > 0 ? ", refused \(refused) (see above)" : ""))
        }
        if refused > 0 { throw ExitCode.failure }
    }
}

/// One line of `newsctl publish --json` output.
struct PublishReport: Encodable {
    var file: String
    var line: Int
    var status: String
    var id: String?
    var error: String?
}
