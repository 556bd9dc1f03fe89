/// Cuts a byte stream into lines, whatever the chunks it arrives in: each line without its line break
/// (LF, or CRLF), and a line longer than ``maxLineBytes`` counted and skipped as it streams past, never
/// held whole. ``LineFileReader`` reads files through it; `make fuzz` drives it directly.
public struct LineSplitter {
    /// The longest line handed on as text; a longer one is reported by its size only.
    public let maxLineBytes: Int
    private var line: [UInt8] = []
    private var skipped = 0

    /// Creates a splitter.
    public init(maxLineBytes: Int = StoryLimits.lineBytes) {
        self.maxLineBytes = maxLineBytes
    }

    /// Takes the next bytes of the stream and calls `emit` with each line they complete: its text, or
    /// (for a line over the limit) an empty text and the line's size. Stops, returning false, as soon as
    /// `emit` returns false.
    @discardableResult
    public mutating func feed(_ bytes: some Collection<UInt8>, _ emit: (String, Int?) -> Bool) -> Bool {
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let newline = bytes[start...].firstIndex(of: 0x0A)
            let end = newline.map { bytes.index(after: $0) } ?? bytes.endIndex
            let count = bytes.distance(from: start, to: end)
            if skipped > 0 || line.count + count > maxLineBytes + 2 {
                skipped += line.count + count
                line.removeAll(keepingCapacity: false)
            } else {
                line += bytes[start..<end]
            }
            if newline != nil {
                guard emitLine(emit, terminated: true) else { return false }
            }
            start = end
        }
        return true
    }

    /// Ends the stream: a last line without a line break is handed on too.
    public mutating func finish(_ emit: (String, Int?) -> Bool) {
        if skipped > 0 || !line.isEmpty { _ = emitLine(emit, terminated: false) }
    }

    private mutating func emitLine(_ emit: (String, Int?) -> Bool, terminated: Bool) -> Bool {
        defer {
            line.removeAll(keepingCapacity: true)
            skipped = 0
        }
        if skipped > 0 {
            // The size without the line break.
            return emit("", skipped - (terminated ? 1 : 0))
        }
        var end = line.count
        while end > 0 && (line[end - 1] == 0x0A || line[end - 1] == 0x0D) { end -= 1 }
        return emit(String(decoding: line[..<end], as: UTF8.self), nil)
    }
}
