import Dispatch
import Foundation
import Glibc

/// One line of an input file.
public struct InputLine: Sendable, Hashable {
    /// The file name (`-` for stdin).
    public var source: String
    /// The 1-based line number.
    public var number: Int
    /// The text, without its line break; empty when the line was longer than the reader's limit.
    public var text: String
    /// The line's length in bytes when it was longer than the reader's limit (``StoryLimits/lineBytes``):
    /// such a line is skipped as it is read, never held whole, and ``text`` is empty.
    public var oversizeBytes: Int?

    /// Creates a line.
    public init(source: String, number: Int, text: String, oversizeBytes: Int? = nil) {
        self.source = source
        self.number = number
        self.text = text
        self.oversizeBytes = oversizeBytes
    }
}

extension InputLine {
    /// The story on this line: nil for a blank line.
    /// - Throws: ``StoryInputError`` for a line longer than ``StoryLimits/lineBytes`` or not a valid story.
    public func storyInput() throws(StoryInputError) -> StoryInput? {
        if let oversizeBytes {
            throw StoryInputError(message: StoryLimits.tooLarge("the line", bytes: oversizeBytes, limit: StoryLimits.lineBytes))
        }
        guard text.utf8.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return nil }
        return try StoryInput.parse(line: text)
    }
}

/// Why an input file could not be read.
public struct InputFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file.
    public let path: String
    /// What went wrong.
    public let message: String
    /// Creates an error.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "cannot read \(path): \(message)" }
}

/// What an input file (or stdin) holds, decided from its first bytes.
public enum InputContent: Sendable {
    /// A stream of lines (JSON Lines), read as they come, however long the input.
    case lines(AsyncStream<InputLine>)
    /// A whole document (a feed, story file or digest), as raw bytes.
    case document(Data)
}

/// Reads a file (or stdin) on a dedicated thread: line by line, however long its lines, handing the
/// lines to async code with at most `capacity` waiting in memory; or whole, when its first bytes show a
/// document rather than lines.
public enum LineFileReader {
    /// How many bytes are looked at to decide between lines and a document.
    public static let headBytes = 4096

    /// The lines of `path` (`-` for stdin). The stream ends at end of file or when its consumer stops.
    public static func lines(of path: String, capacity: Int = 256) throws(InputFileError) -> AsyncStream<InputLine> {
        stream(of: try open(path), path: path, head: [], capacity: capacity)
    }

    /// Opens `path` (`-` for stdin) and reads its first ``headBytes``; when `isDocument` says they begin a
    /// document, reads the whole of it (at most `maxDocumentBytes`), otherwise streams its lines.
    /// - Throws: ``InputFileError`` when the input cannot be opened or read, or a document is larger
    ///   than `maxDocumentBytes`.
    public static func open(
        _ path: String, maxDocumentBytes: Int, capacity: Int = 256, isDocument: @escaping @Sendable (Data) -> Bool
    ) async throws(InputFileError) -> InputContent {
        let file = try open(path)
        nonisolated(unsafe) let handle = file
        let head = await DedicatedThread.run(name: "read \(path)") { () -> [UInt8] in
            read(handle, upTo: headBytes)
        }
        if isDocument(Data(head)) {
            return try await DedicatedThread.run(name: "read \(path)") { () throws(InputFileError) -> InputContent in
                defer { fclose(handle) }
                var data = head
                let rest = read(handle, upTo: maxDocumentBytes + 1 - data.count)
                data += rest
                if ferror(handle) != 0 { throw InputFileError(path: path, message: String(cString: strerror(errno))) }
                guard data.count <= maxDocumentBytes else {
                    throw InputFileError(path: path, message: "the document is larger than the \(maxDocumentBytes) bytes accepted")
                }
                return .document(Data(data))
            }
        }
        return .lines(stream(of: file, path: path, head: head, capacity: capacity))
    }

    private static func open(_ path: String) throws(InputFileError) -> UnsafeMutablePointer<FILE> {
        let file = path == "-" ? fdopen(dup(STDIN_FILENO), "r") : fopen(path, "r")
        guard let file else { throw InputFileError(path: path, message: String(cString: strerror(errno))) }
        return file
    }

    /// Up to `count` bytes from `file`, fewer only at end of file or on an error.
    private static func read(_ file: UnsafeMutablePointer<FILE>, upTo count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(count, 1 << 16))
        while bytes.count < count {
            let wanted = min(chunk.count, count - bytes.count)
            let got = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, wanted, file) }
            if got == 0 { break }
            bytes += chunk[0..<got]
        }
        return bytes
    }

    /// Streams the lines of `file`, starting with the bytes already read from it (`head`).
    private static func stream(
        of file: UnsafeMutablePointer<FILE>, path: String, head: [UInt8], capacity: Int, maxLineBytes: Int = StoryLimits.lineBytes
    ) -> AsyncStream<InputLine> {
        let credits = DispatchSemaphore(value: capacity)
        let (stream, continuation) = AsyncStream<InputLine>.makeStream(bufferingPolicy: .unbounded)
        nonisolated(unsafe) let handle = file
        DedicatedThread.start(name: "read \(path)") {
            defer {
                fclose(handle)
                continuation.finish()
            }
            var number = 0
            /// Hands one line on; false when the consumer has gone.
            func yield(_ text: String, oversize: Int?) -> Bool {
                number += 1
                credits.wait()
                let line = InputLine(source: path, number: number, text: text, oversizeBytes: oversize)
                if case .terminated = continuation.yield(line) { return false }
                return true
            }
            // Lines are cut from fixed-size chunks; a line longer than the limit is counted and skipped
            // as it streams past, so a 50 MB line costs no more memory than a short one.
            var splitter = LineSplitter(maxLineBytes: maxLineBytes)
            guard splitter.feed(head, yield) else { return }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let got = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
                if got == 0 { break }
                guard splitter.feed(chunk[0..<got], yield) else { return }
            }
            splitter.finish(yield)
        }
        return AsyncStream { () async -> InputLine? in
            var iterator = stream.makeAsyncIterator()
            let next = await iterator.next()
            if next != nil { credits.signal() }
            return next
        }
    }
}
