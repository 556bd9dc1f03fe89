import Foundation

/// `newsctl publish`'s progress line on a terminal: stories read, accepted and refused, the rate, and
/// for a file the time left, rewritten in place at most five times a second. Silent when stderr is not
/// a terminal (a pipe, a log file, CI) or with `--json`.
struct PublishProgress {
    let enabled: Bool
    private let started = ContinuousClock.now
    private var lastDrawn: ContinuousClock.Instant?
    private var drawnWidth = 0
    /// The bytes of the files given, when all are regular files (stdin has no size).
    private let totalBytes: Int?
    private(set) var bytesRead = 0

    init(files: [String], json: Bool) {
        enabled = !json && isatty(STDERR_FILENO) == 1
        var total = 0
        var known = true
        for file in files {
            guard file != "-", let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int else {
                known = false
                break
            }
            total += size
        }
        totalBytes = known ? total : nil
    }

    /// Counts a line read (its bytes and newline).
    mutating func read(bytes: Int) {
        bytesRead += bytes + 1
    }

    /// Redraws the line, unless it was drawn in the last 200 ms (or `force`).
    mutating func draw(read: Int, accepted: Int, refused: Int, force: Bool = false) {
        guard enabled else { return }
        let now = ContinuousClock.now
        if !force, let lastDrawn, now - lastDrawn < .milliseconds(200) { return }
        lastDrawn = now
        let seconds = max(0.001, Double((now - started).components.seconds) + Double((now - started).components.attoseconds) / 1e18)
        let rate = Double(read) / seconds
        var text = "read \(read), accepted \(accepted), refused \(refused), \(Int(rate.rounded())) stories/s"
        if let totalBytes, totalBytes > 0, bytesRead > 0 {
            let fraction = min(1, Double(bytesRead) / Double(totalBytes))
            let left = fraction > 0 ? seconds * (1 - fraction) / fraction : 0
            text += String(format: ", %.0f%%, about %@ left", fraction * 100, Self.duration(left))
        }
        let padding = String(repeating: " ", count: max(0, drawnWidth - text.count))
        drawnWidth = text.count
        FileHandle.standardError.write(Data(("\r" + text + padding).utf8))
    }

    /// Ends the line so that what follows starts on its own.
    func finish() {
        guard enabled, lastDrawn != nil else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole < 60 ? "\(whole) s" : "\(whole / 60) min \(whole % 60) s"
    }
}
