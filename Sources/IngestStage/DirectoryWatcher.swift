import AsyncAlgorithms
import Foundation
import Logging
import NewsModel
import ServiceLifecycle
import StageRuntime

/// Picks up files that appear (or change) in watched directories while `ingest` runs, and remembers
/// the ones it processed across restarts. A file is read once its size and modification time have
/// stayed the same for one scan, so a file still being written is not read half-way; hidden files and
/// names ending in `.tmp` or `.part` are ignored.
struct DirectoryWatcher {
    let directories: [String]
    let intake: StoryIntake
    let state: IngestState
    let logger: Logger
    var interval: Duration = .seconds(1)

    func run() async {
        var seen: [String: (size: Int64, modified: Double)] = [:]
        var processed: [String: (size: Int64, modified: Double)]
        do {
            for path in try await state.failInterruptedAttempts() {
                intake.runtime.counters.increment("input_errors")
                logger.error("\(path): ingest stopped while reading it, perhaps crashed by it; it is not read again until it changes")
            }
            processed = try await state.processedFiles()
        } catch {
            logger.error("cannot read ingest's state; watched directories are not read: \(error)")
            return
        }
        // One scan at once, then one per interval until shutdown.
        func scan() async -> Bool {
            for directory in directories {
                for (path, stamp) in await Self.files(in: directory) {
                    defer { seen[path] = stamp }
                    if let done = processed[path], done == stamp { continue }
                    // Read only once the file has stopped changing between two scans.
                    guard let previous = seen[path], previous == stamp else { continue }
                    do {
                        // Recorded before it is read: a file that kills the process is not read again
                        // on every restart.
                        try await state.markAttempted(path: path, size: stamp.size, modified: stamp.modified)
                        switch await intake.ingest(file: path) {
                        case .completed:
                            try await state.markProcessed(path: path, size: stamp.size, modified: stamp.modified)
                        case .failed(let reason):
                            try await state.markProcessed(path: path, size: stamp.size, modified: stamp.modified, error: reason)
                        case .interrupted:
                            // Not processed: after the restart it is read again, and the stories
                            // already journaled are known by their ids and not taken twice.
                            try await state.clearAttempt(path: path)
                            return false
                        }
                        processed[path] = stamp
                    } catch {
                        logger.error("cannot record \(path) as processed: \(error)")
                    }
                }
            }
            return true
        }
        guard await scan() else { return }
        for await _ in AsyncTimerSequence(interval: interval, clock: .continuous).cancelOnGracefulShutdown() {
            guard await scan() else { return }
        }
    }

    /// The regular files of `directory` with their size and modification time.
    static func files(in directory: String) async -> [(String, (size: Int64, modified: Double))] {
        await DedicatedThread.run(name: "scan \(directory)") { () -> [(String, (size: Int64, modified: Double))] in
            let manager = FileManager.default
            let names = ((try? manager.contentsOfDirectory(atPath: directory)) ?? []).sorted()
            return names.compactMap { name in
                guard !name.hasPrefix("."), !name.hasSuffix(".tmp"), !name.hasSuffix(".part") else { return nil }
                let path = (directory as NSString).appendingPathComponent(name)
                guard let attributes = try? manager.attributesOfItem(atPath: path),
                    attributes[.type] as? FileAttributeType == .typeRegular
                else { return nil }
                let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
                let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                return (path, (size, modified))
            }
        }
    }
}
