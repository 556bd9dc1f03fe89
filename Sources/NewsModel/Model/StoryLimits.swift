import Foundation

/// How large a story and its fields may be. Everything a stage takes in is checked against these before
/// it is parsed further, so no input can make a stage hold more than they allow per story. README.md
/// ("Limits") lists them.
public enum StoryLimits {
    /// The longest JSON Lines line (one story), in bytes: 2 MiB.
    public static let lineBytes = 2 << 20
    /// The longest headline, in UTF-8 bytes.
    public static let headlineBytes = 2_000
    /// The longest body, in UTF-8 bytes: 1 MiB.
    public static let bodyBytes = 1 << 20
    /// The longest id, in UTF-8 bytes.
    public static let idBytes = 200
    /// The longest URL, in UTF-8 bytes.
    public static let urlBytes = 4_096
    /// The longest source name, in UTF-8 bytes.
    public static let sourceBytes = 500
    /// The longest language tag, in UTF-8 bytes (BCP 47 tags are far shorter).
    public static let languageBytes = 35
    /// The most lines one `submit` request may carry.
    public static let linesPerRequest = 10_000
    /// The most stories one `resubmit` request may carry.
    public static let storiesPerRequest = 1_000
    /// The largest document (a feed, story file or digest), in bytes: 16 MiB.
    public static let documentBytes = 16 << 20

    /// The sentence that refuses `count` bytes of `what` over `limit`, such as
    /// `the body is 2,000,000 bytes, more than the 1,048,576 a story may have`.
    public static func tooLarge(_ what: String, bytes count: Int, limit: Int) -> String {
        "\(what) is \(grouped(count)) bytes, more than the \(grouped(limit)) a story may have"
    }

    /// Why `field` with text `value` is too long, or nil.
    static func check(_ field: String, _ value: String?, limit: Int) -> String? {
        guard let value, value.utf8.count > limit else { return nil }
        return tooLarge("field \"\(field)\"", bytes: value.utf8.count, limit: limit)
    }

    /// Why a story's fields break the limits, or nil when they are within them.
    public static func violation(
        headline: String, body: String, id: String?, url: String?, source: String?, language: String?
    ) -> String? {
        check("headline", headline, limit: headlineBytes) ?? check("body", body, limit: bodyBytes)
            ?? check("id", id, limit: idBytes) ?? check("url", url, limit: urlBytes)
            ?? check("source", source, limit: sourceBytes) ?? check("language", language, limit: languageBytes)
    }

    /// `1048576` as `1,048,576`.
    static func grouped(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return (number < 0 ? "-" : "") + result
    }
}
