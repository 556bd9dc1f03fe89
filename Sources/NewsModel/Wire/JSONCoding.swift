import Foundation

/// The one JSON configuration used on the wire, in files and in `--json` output: RFC 3339 dates with
/// milliseconds in UTC and sorted keys, so equal values encode to equal bytes.
public enum JSONCoding {
    /// Makes an encoder with the project's settings.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.format(date))
        }
        return encoder
    }

    /// Makes a decoder with the project's settings; it reads RFC 3339 dates with or without fractions.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "'\(text)' is not an RFC 3339 date such as 2026-02-01T09:30:00Z")
            }
            return date
        }
        return decoder
    }

    /// Encodes a value as one line of JSON (no trailing newline).
    public static func line(_ value: some Encodable) throws -> String {
        String(decoding: try encoder().encode(value), as: UTF8.self)
    }
}

/// RFC 3339 timestamps, the form every date takes in this project's JSON.
public enum RFC3339 {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
    private static let withoutFraction = Date.ISO8601FormatStyle(timeZone: .gmt)

    /// Formats `date` as `2026-02-01T09:30:00.000Z`, rounded to the nearest millisecond.
    public static func format(_ date: Date) -> String {
        // Whole seconds through the formatter, milliseconds by integer arithmetic: the formatter
        // truncates, and binary floating point stores .123 as .12299….
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let (whole, fraction) = seconds.remainder < 0 ? (seconds.quotient - 1, seconds.remainder + 1000) : seconds
        let text = Date(timeIntervalSince1970: TimeInterval(whole)).formatted(withoutFraction)
        return text.dropLast() + "." + String(repeating: "0", count: fraction < 10 ? 2 : (fraction < 100 ? 1 : 0)) + "\(fraction)Z"
    }

    /// Parses an RFC 3339 timestamp with a `Z` or a numeric offset, with or without fractional seconds.
    public static func parse(_ text: String) -> Date? {
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
}
