import CCurl
import Foundation

/// What the HTTP and SMTP transfers share of libcurl: its process-wide set-up, the text for a refused
/// option, the message of a failed transfer, and durations in its milliseconds.
enum Curl {
    /// libcurl's process-wide set-up, done once before the first transfer.
    static let isSetUp: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// nil when libcurl took the option, else one sentence naming it.
    static func refusal(_ option: String, _ code: CURLcode, for target: String) -> String? {
        code == CURLE_OK ? nil : "libcurl refused \(option) for \(target): \(String(cString: curl_easy_strerror(code)))"
    }

    /// A failed transfer's message: libcurl's error buffer, or the code's own text when it is empty.
    static func message(_ errorBuffer: [CChar], _ code: CURLcode) -> String {
        let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    /// A duration in whole milliseconds, as libcurl's `*_MS` options take it.
    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
