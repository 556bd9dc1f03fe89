import Foundation
import NewsModel
import Testing

/// The wire's dates: written and read by arithmetic in the wire's own form, as Foundation's ISO 8601
/// formatter would, and every other RFC 3339 form still read.
@Suite("RFC 3339 dates in the wire's form")
struct RFC3339WireFormTests {
    /// The form Foundation gives: whole seconds through its formatter, milliseconds appended.
    static func foundationForm(milliseconds: Int64) -> String {
        let (quotient, remainder) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let (seconds, fraction) = remainder < 0 ? (quotient - 1, remainder + 1000) : (quotient, remainder)
        let text = Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
        return text.dropLast() + "." + String(format: "%03d", Int(fraction)) + "Z"
    }

    @Test("20,000 dates from year 1 to 9999 are written as Foundation writes them and read back to the millisecond (before 1583 by Foundation itself, Julian)")
    func agreesWithFoundation() throws {
        var random = SystemRandomNumberGenerator()
        let first: Int64 = -62_135_596_800_000  // 0001-01-01T00:00:00.000Z
        let last: Int64 = 253_402_300_799_999  // 9999-12-31T23:59:59.999Z
        let edges: [Int64] = [first, last, 0, -1, 951_782_400_000, 951_868_799_999, 4_107_542_400_000, 1_767_225_599_999]
        for milliseconds in edges + (0..<20_000).map({ _ in Int64.random(in: first...last, using: &random) }) {
            let date = Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
            let text = RFC3339.format(date)
            #expect(text == Self.foundationForm(milliseconds: milliseconds))
            let parsed = try #require(RFC3339.parse(text), "\(text)")
            #expect(Int64((parsed.timeIntervalSince1970 * 1000).rounded()) == milliseconds, "\(text)")
            let foundation = try Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text)
            #expect(abs(foundation.timeIntervalSince(parsed)) < 0.000_5, "\(text)")
        }
    }

    @Test("other RFC 3339 forms still read; impossible dates in the wire's form are not taken by the fast path")
    func otherForms() throws {
        let expected = Date(timeIntervalSince1970: 1_769_938_200)  // 2026-02-01T09:30:00Z
        for text in ["2026-02-01T09:30:00Z", "2026-02-01T11:30:00+02:00", "2026-02-01 09:30:00Z", "2026-02-01t09:30:00z", "2026-02-01T09:30:00.000000Z"] {
            let parsed = try #require(RFC3339.parse(text), "\(text)")
            #expect(abs(parsed.timeIntervalSince(expected)) < 0.001, "\(text)")
        }
        for text in ["2026-02-30T09:30:00.000Z", "2026-13-01T09:30:00.000Z", "2026-02-01T24:00:00.000Z", "2026-02-01T09:30:00.0a0Z"] {
            #expect(RFC3339.parse(text) == (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text)), "\(text)")
        }
        #expect(RFC3339.parse("yesterday") == nil)
        #expect(RFC3339.format(Date(timeIntervalSince1970: 0.123)) == "1970-01-01T00:00:00.123Z")
    }
}
