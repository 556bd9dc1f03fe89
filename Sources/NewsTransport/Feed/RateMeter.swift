import Foundation
import NewsModel
import Synchronization

/// Counts events per second over the last ten seconds, for the throughput `status` shows.
public final class RateMeter: Sendable {
    private let buckets = Mutex<[Int: Int]>([:])
    /// The averaging window in seconds.
    public let window = 10

    /// Creates an empty meter.
    public init() {}

    /// Records `count` events now.
    public func record(_ count: Int = 1, at date: Date = Date()) {
        let second = Int(date.timeIntervalSince1970)
        buckets.withLock { buckets in
            buckets[second, default: 0] += count
            if buckets.count > window * 2 { buckets = buckets.filter { $0.key > second - window } }
        }
    }

    /// Events per second over the last ``window`` whole seconds.
    public func perSecond(at date: Date = Date()) -> Double {
        let now = Int(date.timeIntervalSince1970)
        let total = buckets.withLock { buckets in buckets.filter { $0.key >= now - window && $0.key < now }.values.reduce(0, +) }
        return Double(total) / Double(window)
    }
}
