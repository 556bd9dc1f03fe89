import Dispatch
import Foundation
import Glibc

/// One line of an input file.
public struct InputLine: Sendable, Hashable {
    /// The file name (`-` for stdin).
    public var source: String
    /// The 1-based line number.
    public var number: Int
    /// The text, without its line break.
    public var text: String
}

/// Why an input file could not be read.
public struct InputFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file.
    public let path: String
    /// What went wrong.
    public let message: String
    public var description: String { "cannot read \(path): \(message)" }
}

/// Reads a file (or stdin) line by line on a dedicated thread, however long its lines, and hands the
/// lines to async code with at most `capacity` waiting in memory.
public enum LineFileReader {
    /// The lines of `path` (`-` for stdin). The stream ends at end of file or after `cancel` in the
    /// returned handle is called.
    public static func lines(of path: String, capacity: Int = 256) throws(InputFileError) -> AsyncStream<InputLine> {
        let file: UnsafeMutablePointer<FILE>
        if path == "-" {
            guard let standardInput = fdopen(dup(STDIN_FILENO), "r") else {
                throw InputFileError(path: path, message: String(cString: strerror(errno)))
            }
            file = standardInput
        } else {
            guard let opened = fopen(path, "r") else {
                throw InputFileError(path: path, message: String(cString: strerror(errno)))
            }
            file = opened
        }
        let credits = DispatchSemaphore(value: capacity)
        let (stream, continuation) = AsyncStream<InputLine>.makeStream(bufferingPolicy: .unbounded)
        nonisolated(unsafe) let handle = file
        DedicatedThread.start(name: "read \(path)") {
            defer {
                fclose(handle)
                continuation.finish()
            }
            var buffer: UnsafeMutablePointer<CChar>?
            var size = 0
            defer { free(buffer) }
            var number = 0
            while true {
                let length = getline(&buffer, &size, handle)
                if length < 0 { break }
                number += 1
                var bytes = UnsafeRawBufferPointer(start: buffer, count: length)
                while let last = bytes.last, last == 0x0A || last == 0x0D {
                    bytes = UnsafeRawBufferPointer(rebasing: bytes.dropLast())
                }
                credits.wait()
                let text = String(decoding: bytes, as: UTF8.self)
                if case .terminated = continuation.yield(InputLine(source: path, number: number, text: text)) { break }
            }
        }
        return AsyncStream { () async -> InputLine? in
            var iterator = stream.makeAsyncIterator()
            let next = await iterator.next()
            if next != nil { credits.signal() }
            return next
        }
    }
}
