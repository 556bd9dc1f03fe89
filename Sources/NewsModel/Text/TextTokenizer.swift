import Foundation

/// Splits text into search tokens the way the index's SQLite FTS5 `unicode61` tokenizer does, so that a
/// query means the same in `newsctl search` and in a subscription.
///
/// A token is a run of letters, digits and underscores; it is folded to lower case without diacritics.
/// Offsets count Unicode scalars.
public enum TextTokenizer {
    /// One token and where it stands.
    public struct Token: Sendable, Hashable {
        /// The folded text.
        public var text: String
        /// The text as it stands in the input.
        public var raw: String
        /// Offset of its first scalar.
        public var start: Int
        /// Offset just past its last scalar.
        public var end: Int
    }

    /// The tokens of `text`, in order.
    public static func tokens(in text: String) -> [Token] {
        var tokens: [Token] = []
        var current = String.UnicodeScalarView()
        var start = 0
        var offset = 0
        func flush() {
            if !current.isEmpty {
                let raw = String(current)
                tokens.append(Token(text: fold(raw), raw: raw, start: start, end: offset))
                current.removeAll(keepingCapacity: true)
            }
        }
        for scalar in text.unicodeScalars {
            if isTokenScalar(scalar) {
                if current.isEmpty { start = offset }
                current.append(scalar)
            } else {
                flush()
            }
            offset += 1
        }
        flush()
        return tokens
    }

    /// True for the scalars that belong to tokens: letters, digits, combining marks and `_`.
    @inline(__always)
    public static func isTokenScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F
        }
        let properties = scalar.properties
        return properties.isAlphabetic || properties.numericType != nil
            || properties.generalCategory == .nonspacingMark || properties.generalCategory == .privateUse
    }

    /// `token` in lower case without diacritics.
    public static func fold(_ token: String) -> String {
        if token.utf8.allSatisfy({ $0 < 0x80 }) { return token.lowercased() }
        var result = String.UnicodeScalarView()
        for scalar in token.decomposedStringWithCanonicalMapping.unicodeScalars
        where scalar.properties.generalCategory != .nonspacingMark {
            result.append(scalar)
        }
        return String(result).lowercased()
    }
}
