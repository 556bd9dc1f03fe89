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
