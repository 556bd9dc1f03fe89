import NewsModel
import Synchronization

/// Named counters a stage keeps for `newsctl status`, such as `received` and `decode_errors`.
public final class StageCounters: Sendable {
    private let values = Mutex<[String: Int]>([:])

    /// Creates an empty set of counters.
    public init() {}

    /// Adds `amount` to the counter `name`.
    public func increment(_ name: String, by amount: Int = 1) {
        values.withLock { $0[name, default: 0] += amount }
    }

    /// The current value of `name`.
    public func value(_ name: String) -> Int { values.withLock { $0[name] ?? 0 } }

    /// Every counter.
    public var snapshot: [String: Int] { values.withLock { $0 } }
}
