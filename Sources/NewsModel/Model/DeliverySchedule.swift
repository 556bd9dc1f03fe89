import Foundation

/// When a subscription's alerts reach its destination: at once (`instant`), or gathered into a digest
/// sent every hour, every day at a local time, or every week on a day at a local time; with an optional
/// cap on instant alerts an hour and quiet hours. Alerts held by a cap or quiet hours, and story
/// updates, go into the next digest; nothing is dropped. Every computation takes the time it is asked
/// about, so a test (or notify's simulated clock) decides what "now" is.
public struct DeliverySchedule: Codable, Sendable, Hashable {
    /// How often alerts are delivered.
    public enum Mode: String, Codable, Sendable, Hashable, CaseIterable {
        /// Each alert as it happens; held ones (cap, quiet hours, updates) go out at the next full hour.
        case instant
        /// A digest at every full hour.
        case hourly
        /// A digest every day at ``DeliverySchedule/time``.
        case daily
        /// A digest every week on ``DeliverySchedule/weekday`` at ``DeliverySchedule/time``.
        case weekly
    }

    /// How often.
    public var mode: Mode
    /// The local time of day of a daily or weekly digest, `HH:MM` (08:00 when absent).
    public var time: String?
    /// The day of a weekly digest: `mon` … `sun` (Monday when absent).
    public var weekday: String?
    /// The IANA time zone the times are in, such as `Europe/Berlin`; UTC when absent.
    public var timeZone: String?
    /// At most this many instant alerts an hour; the rest wait for the next digest.
    public var maxPerHour: Int?
    /// `HH:MM-HH:MM` local: nothing is delivered inside; what falls due is sent when they end.
    public var quietHours: String?
    /// Whether further outlets carrying a story already alerted send an update (true when absent).
    public var updates: Bool?

    /// Creates a schedule.
    public init(
        mode: Mode = .instant, time: String? = nil, weekday: String? = nil, timeZone: String? = nil, maxPerHour: Int? = nil,
        quietHours: String? = nil, updates: Bool? = nil
    ) {
        self.mode = mode
        self.time = time
        self.weekday = weekday
        self.timeZone = timeZone
        self.maxPerHour = maxPerHour
        self.quietHours = quietHours
        self.updates = updates
    }

    /// Each alert at once, no cap, no quiet hours: what a subscription has unless told otherwise.
    public static let instant = DeliverySchedule()

    /// The weekdays as written, Monday first.
    public static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// Reads `instant`, `hourly`, `daily@08:00` or `weekly@mon@08:00` (also `daily` and `weekly@fri`,
    /// at 08:00) into the mode, time and weekday of `self`.
    /// - Throws: ``ScheduleError`` naming what is wrong.
    public mutating func setDigest(_ text: String) throws(ScheduleError) {
        let parts = text.lowercased().split(separator: "@", omittingEmptySubsequences: false).map(String.init)
        guard let mode = Mode(rawValue: parts[0]) else {
            throw ScheduleError("--digest is instant, hourly, daily@HH:MM or weekly@DAY@HH:MM, not \(text.prefix(40))")
        }
        self.mode = mode
        time = nil
        weekday = nil
        switch (mode, parts.count) {
        case (.instant, 1), (.hourly, 1), (.daily, 1), (.weekly, 1):
            break
        case (.daily, 2):
            time = parts[1]
        case (.weekly, 2):
            if parts[1].contains(":") { time = parts[1] } else { weekday = parts[1] }
        case (.weekly, 3):
            (weekday, time) = (parts[1], parts[2])
        default:
            throw ScheduleError("--digest is instant, hourly, daily@HH:MM or weekly@DAY@HH:MM, not \(text.prefix(40))")
        }
        try validate()
    }

    /// Checks every field.
    /// - Throws: ``ScheduleError`` naming the first field that is wrong.
    public func validate() throws(ScheduleError) {
        if let time, Self.minutes(time) == nil { throw ScheduleError("the digest time is HH:MM (00:00 to 23:59), not \(time.prefix(20))") }
        if let weekday, !Self.weekdays.contains(weekday) {
            throw ScheduleError("the digest day is one of \(Self.weekdays.joined(separator: ", ")), not \(weekday.prefix(20))")
        }
        if let timeZone, TimeZone(identifier: timeZone) == nil {
            throw ScheduleError("\(timeZone.prefix(60)) is not a time zone; use an IANA name such as Europe/Berlin or America/New_York")
        }
        if let maxPerHour, !(1...10_000).contains(maxPerHour) { throw ScheduleError("max-per-hour is 1 to 10000, not \(maxPerHour)") }
        if let quietHours, Self.quietRange(quietHours) == nil {
            throw ScheduleError("quiet hours are HH:MM-HH:MM, such as 22:00-07:00, not \(quietHours.prefix(20))")
        }
        if mode != .weekly && weekday != nil { throw ScheduleError("a digest day goes with weekly digests only") }
        if (mode == .instant || mode == .hourly) && time != nil { throw ScheduleError("a digest time goes with daily and weekly digests only") }
    }

    /// Whether alerts are gathered into digests rather than sent one by one.
    public var isDigest: Bool { mode != .instant }

    /// Whether story updates are sent.
    public var sendsUpdates: Bool { updates ?? true }

    /// The mode, time and weekday as ``setDigest(_:)`` reads them: `instant`, `hourly`, `daily@08:00`,
    /// `weekly@mon@08:00`.
    public var digestText: String {
        switch mode {
        case .instant: "instant"
        case .hourly: "hourly"
        case .daily: "daily@\(time ?? "08:00")"
        case .weekly: "weekly@\(weekday ?? "mon")@\(time ?? "08:00")"
        }
    }

    /// `daily@08:00 Europe/Berlin, at most 20 an hour, quiet 22:00-07:00`.
    public var summary: String {
        var text = digestText
        if let timeZone { text += " \(timeZone)" }
        if let maxPerHour { text += ", at most \(maxPerHour) an hour" }
        if let quietHours { text += ", quiet \(quietHours)" }
        if updates == false { text += ", no updates" }
        return text
    }

    // MARK: - Times

    /// The calendar the schedule's local times are in.
    public var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
        calendar.firstWeekday = 2
        return calendar
    }

    /// When what is held at `date` is next delivered: the first digest time after it (for instant
    /// delivery the next full hour), moved to the end of quiet hours when it falls inside them.
    public func nextDelivery(after date: Date) -> Date {
        let calendar = calendar
        var components = DateComponents(minute: 0, second: 0)
        switch mode {
        case .instant, .hourly:
            break
        case .daily, .weekly:
            let minutes = Self.minutes(time ?? "08:00") ?? 480
            components = DateComponents(hour: minutes / 60, minute: minutes % 60, second: 0)
            if mode == .weekly {
                // Calendar weekdays: 1 is Sunday.
                let index = Self.weekdays.firstIndex(of: weekday ?? "mon") ?? 0
                components.weekday = (index + 1) % 7 + 1
            }
        }
        // `.nextTime`: a time a daylight-saving change skips becomes the first time after the gap.
        let due =
            calendar.nextDate(after: date, matching: components, matchingPolicy: .nextTime, direction: .forward)
            ?? date.addingTimeInterval(3600)
        return isQuiet(at: due) ? quietEnd(after: due) : due
    }

    /// Whether `date` is inside the quiet hours.
    public func isQuiet(at date: Date) -> Bool {
        guard let quietHours, let (start, end) = Self.quietRange(quietHours), start != end else { return false }
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        return start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
    }

    /// The first end of quiet hours after `date`.
    public func quietEnd(after date: Date) -> Date {
        guard let quietHours, let (_, end) = Self.quietRange(quietHours) else { return date }
        return calendar.nextDate(
            after: date, matching: DateComponents(hour: end / 60, minute: end % 60, second: 0), matchingPolicy: .nextTime, direction: .forward)
            ?? date
    }

    /// Minutes after midnight of `HH:MM`.
    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }

    static func quietRange(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = minutes(String(parts[0])), let end = minutes(String(parts[1])) else { return nil }
        return (start, end)
    }
}

/// A schedule that cannot be used, with the sentence that says why.
public struct ScheduleError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
