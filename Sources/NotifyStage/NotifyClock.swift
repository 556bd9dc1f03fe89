import Foundation
import Synchronization

/// The time notify computes its schedules by: digests, quiet hours, caps, spike baselines and
/// silences all ask it, never `Date()`. The system clock in production; a simulated clock (notify's
/// `--simulated-clock`) in tests, which starts at a given time, runs on at the real rate, and can be
/// set forward or back through the control socket (`clock_set`), so a week of schedules passes in
/// seconds. Retry delays and leases of the outbox stay on real time: they pace the network, not people.
public final class NotifyClock: Sendable {
    /// Whether the clock is simulated (and can be set).
    public let isSimulated: Bool
    private let reading: Mutex<(base: Date, since: ContinuousClock.Instant)>

    private init(simulated start: Date?) {
        isSimulated = start != nil
        reading = Mutex((start ?? Date(), ContinuousClock.now))
    }

    /// The system clock.
    public static let system = NotifyClock(simulated: nil)

    /// A clock that reads `start` now and runs on from it.
    public static func simulated(startingAt start: Date) -> NotifyClock { NotifyClock(simulated: start) }

    /// The time now.
    public func now() -> Date {
        guard isSimulated else { return Date() }
        return reading.withLock { state in
            let elapsed = ContinuousClock.now - state.since
            return state.base.addingTimeInterval(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
    }

    /// Sets a simulated clock to read `date` now.
    /// - Returns: false for the system clock, which cannot be set.
    @discardableResult
    public func set(_ date: Date) -> Bool {
        guard isSimulated else { return false }
        reading.withLock { $0 = (date, ContinuousClock.now) }
        return true
    }
}
