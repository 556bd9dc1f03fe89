import Metrics
import NewsModel
import Synchronization

/// Named counters a stage keeps for `newsctl status`, such as `received` and `decode_errors`. Each is
/// also the Prometheus counter `news_stage_events_total{stage, event}` at `/metrics`.
public final class StageCounters: Sendable {
    private let values = Mutex<[String: Int]>([:])
    private let stage: String

    /// Creates an empty set of counters for `stage`.
    public init(stage: String = "") {
        self.stage = stage
    }

    /// Adds `amount` to the counter `name`.
    public func increment(_ name: String, by amount: Int = 1) {
        guard amount != 0 else { return }
        values.withLock { $0[name, default: 0] += amount }
        Counter(label: "news_stage_events_total", dimensions: [("stage", stage), ("event", name)]).increment(by: amount)
    }

    /// The current value of `name`.
    public func value(_ name: String) -> Int { values.withLock { $0[name] ?? 0 } }

    /// Every counter.
    public var snapshot: [String: Int] { values.withLock { $0 } }
}
