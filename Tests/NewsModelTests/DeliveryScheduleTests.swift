import Foundation
import NewsModel
import Testing

@Suite("Delivery schedules: digest times in a time zone, quiet hours, parsing")
struct DeliveryScheduleTests {
    func date(_ text: String) -> Date { RFC3339.parse(text)! }

    func schedule(_ digest: String, tz: String? = nil, quiet: String? = nil) throws -> DeliverySchedule {
        var schedule = DeliverySchedule(timeZone: tz, quietHours: quiet)
        try schedule.setDigest(digest)
        return schedule
    }

    @Test("daily@08:00 Europe/Berlin is 07:00 UTC in winter and 06:00 UTC in summer, across the change in March")
    func dailyAcrossDaylightSaving() throws {
        let daily = try schedule("daily@08:00", tz: "Europe/Berlin")
        #expect(daily.nextDelivery(after: date("2026-01-10T12:00:00Z")) == date("2026-01-11T07:00:00Z"))
        // The clocks go forward on Sunday 29 March 2026.
        #expect(daily.nextDelivery(after: date("2026-03-28T07:30:00Z")) == date("2026-03-29T06:00:00Z"))
        #expect(daily.nextDelivery(after: date("2026-06-01T05:59:00Z")) == date("2026-06-01T06:00:00Z"))
        #expect(daily.nextDelivery(after: date("2026-06-01T06:00:00Z")) == date("2026-06-02T06:00:00Z"), "strictly after")
    }

    @Test("weekly@fri@17:30 America/New_York, hourly, and instant's hold until the next full hour")
    func weeklyAndHourly() throws {
        let weekly = try schedule("weekly@fri@17:30", tz: "America/New_York")
        // Wednesday 3 June 2026 → Friday 5 June 17:30 EDT = 21:30 UTC.
        #expect(weekly.nextDelivery(after: date("2026-06-03T10:00:00Z")) == date("2026-06-05T21:30:00Z"))
        #expect(try schedule("weekly@mon").nextDelivery(after: date("2026-06-03T10:00:00Z")) == date("2026-06-08T08:00:00Z"))
        #expect(try schedule("hourly").nextDelivery(after: date("2026-06-03T10:20:00Z")) == date("2026-06-03T11:00:00Z"))
        // A zone half an hour off UTC: its full hours are at :30 UTC.
        #expect(try schedule("hourly", tz: "Asia/Kolkata").nextDelivery(after: date("2026-06-03T10:20:00Z")) == date("2026-06-03T10:30:00Z"))
        #expect(DeliverySchedule.instant.nextDelivery(after: date("2026-06-03T10:20:00Z")) == date("2026-06-03T11:00:00Z"))
    }

    @Test("quiet hours across midnight hold a digest until they end, in the schedule's zone")
    func quietHours() throws {
        let hourly = try schedule("hourly", tz: "Europe/Berlin", quiet: "22:00-07:00")
        // 23:10 Berlin (21:10 UTC, summer): quiet; the next full hour is quiet too, so 07:00 Berlin.
        #expect(hourly.isQuiet(at: date("2026-06-03T21:10:00Z")))
        #expect(!hourly.isQuiet(at: date("2026-06-03T05:00:00Z")))
        #expect(hourly.nextDelivery(after: date("2026-06-03T21:10:00Z")) == date("2026-06-04T05:00:00Z"))
        #expect(hourly.nextDelivery(after: date("2026-06-03T12:10:00Z")) == date("2026-06-03T13:00:00Z"))
        let daytime = try schedule("instant", quiet: "09:00-17:00")
        #expect(daytime.isQuiet(at: date("2026-06-03T12:00:00Z")) && !daytime.isQuiet(at: date("2026-06-03T17:00:00Z")))
    }

    @Test("bad schedules are refused with what is wrong")
    func refused() throws {
        for (digest, message) in [
            ("daily@8am", "HH:MM"), ("weekly@someday@08:00", "one of mon"), ("monthly", "instant, hourly"), ("hourly@08:00", "instant, hourly"),
        ] {
            #expect(throws: ScheduleError.self) { _ = try schedule(digest) }
            do { _ = try schedule(digest) } catch let error as ScheduleError { #expect(error.message.contains(message), "\(digest): \(error.message)") }
        }
        #expect(throws: ScheduleError.self) { _ = try schedule("daily", tz: "Mars/Olympus") }
        #expect(throws: ScheduleError.self) { _ = try schedule("daily", quiet: "22-07") }
        var capped = DeliverySchedule(maxPerHour: 0)
        #expect(throws: ScheduleError.self) { try capped.validate() }
        capped.maxPerHour = 20
        try capped.validate()
        #expect(try schedule("weekly@tue@06:15", tz: "Europe/Berlin").summary == "weekly@tue@06:15 Europe/Berlin")
    }

    @Test("an update changes only what it names; 0, off and UTC clear")
    func update() throws {
        let start = try SubscriptionUpdateRequest(id: "s", digest: "daily@08:00", timeZone: "Europe/Berlin", maxPerHour: 20, quietHours: "22:00-07:00")
            .applied(to: .instant)
        #expect(start.summary == "daily@08:00 Europe/Berlin, at most 20 an hour, quiet 22:00-07:00")
        let changed = try SubscriptionUpdateRequest(id: "s", maxPerHour: 0, quietHours: "off", updates: false).applied(to: start)
        #expect(changed.summary == "daily@08:00 Europe/Berlin, no updates")
        #expect(try SubscriptionUpdateRequest(id: "s", timeZone: "UTC").applied(to: changed).timeZone == nil)
    }
}
