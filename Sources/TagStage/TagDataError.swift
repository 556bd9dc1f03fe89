/// A gazetteer or taxonomy file that cannot be used: which file, which line, and what is wrong.
public struct TagDataError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file.
    public let file: String
    /// The 1-based line, where the problem is on one line.
    public let line: Int?
    /// What is wrong.
    public let message: String

    /// Creates an error.
    public init(file: String, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)"
    }
}
