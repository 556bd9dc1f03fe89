import Foundation

/// RFC 3339 timestamps, the form every date takes in this project's JSON.
///
/// The wire's own form, `2026-02-01T09:30:00.123Z` (UTC, milliseconds), is written and read by
/// arithmetic on the digits, once per date of every message; other forms (offsets, no fraction, more
/// digits, a space for the `T`) go through Foundation's ISO 8601 parser. So do years before 1583:
/// Foundation counts them in the Julian calendar, and the arithmetic (proleptic Gregorian) would move
/// such dates stored before by days.
public enum RFC3339 {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
    private static let withoutFraction = Date.ISO8601FormatStyle(timeZone: .gmt)

    /// Formats `date` as `2026-02-01T09:30:00.000Z`, rounded to the nearest millisecond.
    public static func format(_ date: Date) -> String {
        // Milliseconds by integer arithmetic: binary floating point stores .123 as .12299….
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = floorDivision(milliseconds, 1000)
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        let (year, month, day) = civil(fromDays: days)
        guard (firstArithmeticYear...9999).contains(year) else {
            // Before the Gregorian calendar, and past four-digit years, the formatter's form.
            let text = Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(withoutFraction)
            return text.dropLast() + "." + digits(Int(fraction), 3) + "Z"
        }
        let hour = Int(secondOfDay / 3600)
        let minute = Int(secondOfDay % 3600 / 60)
        let second = Int(secondOfDay % 60)
        return String(unsafeUninitializedCapacity: 24) { buffer in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var value = value
                for position in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(year, 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(month, 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            put(day, 2, at: 8)
            buffer[10] = UInt8(ascii: "T")
            put(hour, 2, at: 11)
            buffer[13] = UInt8(ascii: ":")
            put(minute, 2, at: 14)
            buffer[16] = UInt8(ascii: ":")
            put(second, 2, at: 17)
            buffer[19] = UInt8(ascii: ".")
            put(Int(fraction), 3, at: 20)
            buffer[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// Parses an RFC 3339 timestamp with a `Z` or a numeric offset, with or without fractional seconds.
    public static func parse(_ text: String) -> Date? {
        if let date = parseWireForm(text) { return date }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let date = try? withoutFraction.parse(trimmed) { return date }
        if let date = try? withFraction.parse(trimmed) { return date }
        // Foundation's style wants "T"; RFC 3339 also allows a space or a lowercase t.
        if trimmed.count > 10 {
            var normalised = trimmed
            let index = normalised.index(normalised.startIndex, offsetBy: 10)
            if normalised[index] == " " || normalised[index] == "t" {
                normalised.replaceSubrange(index...index, with: "T")
                return parse(normalised.uppercased())
            }
        }
        if trimmed.hasSuffix("z") { return parse(trimmed.dropLast() + "Z") }
        return nil
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` exactly, with a valid date and time (a leap second is left to the
    /// general parser); nil for anything else.
    static func parseWireForm(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            guard bytes.count == 24, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
                bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z")
            else { return nil }
            func number(_ offset: Int, _ width: Int) -> Int? {
                var value = 0
                for position in offset..<(offset + width) {
                    let digit = Int(bytes[position]) - 0x30
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
                let minute = number(14, 2), let second = number(17, 2), let millisecond = number(20, 3),
                year >= firstArithmeticYear, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60, second < 60
            else { return nil }
            let days = Self.days(fromCivil: year, month, day)
            let milliseconds = ((days * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1000) + Int64(millisecond)
            return Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
        }
    }

    /// The first whole year of the Gregorian calendar (from 1582-10-15), where Foundation and the
    /// arithmetic agree.
    private static let firstArithmeticYear = 1583

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = Int64((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1)
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant's `civil_from_days`).
    static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthPrime + 2) / 5 + 1)
        let month = Int(monthPrime < 10 ? monthPrime + 3 : monthPrime - 9)
        let year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    private static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
