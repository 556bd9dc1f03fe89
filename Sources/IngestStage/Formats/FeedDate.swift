import Foundation
import NewsModel

/// Dates in the forms feeds really use: RFC 822 / 1123 (`Tue, 10 Feb 2026 08:45:00 GMT`, with zone
/// names or numeric offsets, with or without the weekday or seconds) and RFC 3339 / ISO 8601.
public enum FeedDate {
    /// Parses `text`, or returns nil.
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        if let date = RFC3339.parse(trimmed) { return date }
        return parseRFC822(trimmed)
    }

    static let zones: [String: Int] = [
        "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
        "PST": -8, "PDT": -7, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "IST": 5, "JST": 9, "AEST": 10,
    ]
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    static func parseRFC822(_ text: String) -> Date? {
        var parts = text.replacingOccurrences(of: ",", with: " ").split(separator: " ").map(String.init)
        if let first = parts.first, first.count >= 3, Int(first) == nil, months.firstIndex(of: String(first.prefix(3)).lowercased()) == nil {
            parts.removeFirst()  // the weekday
        }
        guard parts.count >= 4, let day = Int(parts[0]),
            let month = months.firstIndex(of: String(parts[1].prefix(3)).lowercased()), var year = Int(parts[2])
        else { return nil }
        if year < 100 { year += year < 50 ? 2000 : 1900 }
        let time = parts[3].split(separator: ":").compactMap { Int($0) }
        guard time.count >= 2, (0..<24).contains(time[0]), (0..<60).contains(time[1]) else { return nil }
        var offsetSeconds = 0
        if parts.count >= 5 {
            let zone = parts[4]
            if let hours = zones[zone.uppercased()] {
                offsetSeconds = hours * 3600
            } else if zone.count == 5, let sign = zone.first, sign == "+" || sign == "-", let value = Int(zone.dropFirst()) {
                offsetSeconds = (sign == "-" ? -1 : 1) * ((value / 100) * 3600 + (value % 100) * 60)
            } else {
                return nil
            }
        }
        var components = DateComponents()
        components.year = year
        components.month = month + 1
        components.day = day
        components.hour = time[0]
        components.minute = time[1]
        components.second = time.count > 2 ? time[2] : 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        guard let date = calendar.date(from: components), calendar.component(.day, from: date) == day else { return nil }
        return date.addingTimeInterval(TimeInterval(-offsetSeconds))
    }
}
