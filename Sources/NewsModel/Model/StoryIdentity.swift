import Crypto
import Foundation

/// Gives every story a stable id, so the same story submitted twice gets the same id.
///
/// In order of preference:
/// 1. the `id` the user supplied, as given;
/// 2. `u-` and 24 hex digits of SHA-256 of the URL (without its `#fragment`);
/// 3. `h-` and 24 hex digits of SHA-256 of the headline and body, with white space folded.
public enum StoryIdentity {
    /// The stable id of an input story.
    public static func id(for input: StoryInput) -> String {
        if let id = input.id { return id }
        if let url = input.url {
            let withoutFragment = url.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
            return "u-" + digest(String(withoutFragment ?? Substring(url)))
        }
        return "h-" + digest(foldWhitespace(input.headline) + "\n" + foldWhitespace(input.body))
    }

    static func digest(_ text: String) -> String {
        let hash = SHA256.hash(data: Data(text.utf8))
        return hash.prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    static func foldWhitespace(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
