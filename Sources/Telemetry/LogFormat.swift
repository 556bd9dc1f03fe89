import Foundation
import Logging
import Synchronization

/// How a process writes its log lines to stderr: text for people, or JSON, one object per line, for
/// log shippers (`--log-format json`).
public enum LogFormat: String, Sendable, CaseIterable {
    /// swift-log's text lines.
    case text
    /// One JSON object per line: `time`, `level`, `label`, `message`, `source` and the metadata.
    case json

    /// Sends every log line of the process to stderr in this format at `level`. Call once.
    public func bootstrap(level: Logger.Level) {
        switch self {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}

/// A swift-log handler that writes each line as one JSON object to stderr.
public struct JSONLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    private static let output = Mutex(FileHandle.standardError)

    /// Creates a handler for `label`.
    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String, file: String, function: String,
        line: UInt
    ) {
        var object: [String: Any] = [
            "time": Self.timestamp(), "level": level.rawValue, "label": label, "message": message.description, "source": source,
        ]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit { merged.merge(explicit) { $1 } }
        for (key, value) in merged where object[key] == nil { object[key] = Self.plain(value) }
        guard var encoded = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        encoded.append(0x0a)
        Self.output.withLock { $0.write(encoded) }
    }

    static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): return text
        case .stringConvertible(let convertible): return convertible.description
        case .array(let values): return values.map(plain)
        case .dictionary(let values): return values.mapValues(plain)
        }
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
