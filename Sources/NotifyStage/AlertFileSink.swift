import Foundation
import NewsModel

/// Appends every new alert to a JSON Lines file (`notify --alerts-file PATH`), one alert per line,
/// flushed to disk before the batch counts as done; the writes happen on a dedicated thread.
struct AlertFileSink: Sendable {
    let path: String

    /// Opens (creating if needed) the file, so a path that cannot be written fails at start-up.
    init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) || FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        try FileHandle(forWritingTo: URL(fileURLWithPath: path)).close()
    }

    /// Appends `alerts`, one JSON object per line.
    func append(_ alerts: [Alert]) async throws {
        guard !alerts.isEmpty else { return }
        let encoder = JSONCoding.encoder()
        var data = Data()
        for alert in alerts {
            data.append(try encoder.encode(alert))
            data.append(0x0A)
        }
        let path = self.path
        let lines = data
        try await DedicatedThread.run(name: "alerts-file") { () throws -> Void in
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: lines)
            try handle.synchronize()
        }
    }
}
