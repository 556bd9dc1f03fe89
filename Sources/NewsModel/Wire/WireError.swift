/// Why a received message could not be decoded. A stage logs it, counts it and goes on.
public struct WireError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of decoding failure.
    public enum Code: String, Sendable, Hashable {
        /// The message does not have exactly a topic frame and an envelope frame.
        case badFrames
        /// The envelope is not valid JSON or lacks a field.
        case malformed
        /// The envelope's schema version is not one this build reads.
        case unsupportedVersion
        /// The envelope's kind is unknown.
        case unknownKind
        /// The payload's kind is not what the topic frame promises.
        case kindMismatch
    }

    /// What kind of failure this is.
    public let code: Code
    /// One sentence saying what was wrong.
    public let message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
