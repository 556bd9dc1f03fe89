import Foundation

/// Splits text into search tokens and folds them: the one normalisation of words that search and
/// alerts share. The index stores these folded tokens (not the raw text) in its FTS5 table, so that a
/// query means the same in `newsctl search` and in a subscription, in any script.
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
        /// Offset of its first byte in the text's UTF-8.
        public var utf8Start: Int
        /// Offset just past its last byte in the text's UTF-8.
        public var utf8End: Int
        /// ``FNV1a`` of the folded text: a cheap key for tables of words (compare `text` on a hit).
        public var hash: UInt64

        /// A token; its hash is computed from `text`.
        public init(text: String, raw: String, start: Int, end: Int, utf8Start: Int, utf8End: Int) {
            self.init(text: text, raw: raw, start: start, end: end, utf8Start: utf8Start, utf8End: utf8End, hash: FNV1a.hash(text))
        }

        init(text: String, raw: String, start: Int, end: Int, utf8Start: Int, utf8End: Int, hash: UInt64) {
            self.text = text
            self.raw = raw
            self.start = start
            self.end = end
            self.utf8Start = utf8Start
            self.utf8End = utf8End
            self.hash = hash
        }
    }

    /// The tokens of `text`, in order. Runs of ASCII letters and digits are cut and folded as bytes;
    /// runs with other scalars go through ``scalarTokens(in:)``.
    public static func tokens(in text: String) -> [Token] {
        var tokens: [Token] = []
        // About one token per six bytes of prose: one allocation for most texts.
        tokens.reserveCapacity(text.utf8.count / 6 + 1)
        forEachRun(in: text) { run, ascii, offset, byteOffset in
            if ascii {
                var hash = FNV1a.offsetBasis
                var folds = false
                let text = String(unsafeUninitializedCapacity: run.count) { buffer in
                    for position in 0..<run.count {
                        let byte = run[position]
                        let capital = byte >= 0x41 && byte <= 0x5A
                        folds = folds || capital
                        let folded = capital ? byte + 0x20 : byte
                        buffer[position] = folded
                        hash = FNV1a.adding(folded, to: hash)
                    }
                    return run.count
                }
                tokens.append(
                    Token(
                        text: text, raw: folds ? String(decoding: run, as: UTF8.self) : text, start: offset, end: offset + run.count,
                        utf8Start: byteOffset, utf8End: byteOffset + run.count, hash: hash))
                return run.count
            }
            let piece = String(decoding: run, as: UTF8.self)
            for var token in scalarTokens(in: piece) {
                token.start += offset
                token.end += offset
                token.utf8Start += byteOffset
                token.utf8End += byteOffset
                tokens.append(token)
            }
            return piece.unicodeScalars.count
        }
        return tokens
    }

    /// The tokens of `text`, scalar by scalar (any text; ``tokens(in:)`` uses it for non-ASCII runs).
    static func scalarTokens(in text: String) -> [Token] {
        var tokens: [Token] = []
        let scalars = text.unicodeScalars
        var tokenStart: String.Index?
        var startOffset = 0
        var startByte = 0
        var offset = 0
        var byte = 0
        var index = scalars.startIndex
        func emit(_ start: String.Index, _ end: String.Index) {
            let raw = String(scalars[start..<end])
            tokens.append(Token(text: fold(raw), raw: raw, start: startOffset, end: offset, utf8Start: startByte, utf8End: byte))
        }
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if isTokenScalar(scalar) {
                if tokenStart == nil {
                    tokenStart = index
                    startOffset = offset
                    startByte = byte
                }
            } else if let start = tokenStart {
                emit(start, index)
                tokenStart = nil
            }
            offset += 1
            byte += UTF8.width(scalar)
            index = scalars.index(after: index)
        }
        if let start = tokenStart { emit(start, scalars.endIndex) }
        return tokens
    }

    /// The folded tokens of `text` only (``tokens(in:)`` without the raw text and offsets): the fast
    /// path for matching and hashing.
    public static func words(in text: String) -> [String] {
        var words: [String] = []
        forEachRun(in: text) { run, ascii, _, _ in
            if ascii {
                words.append(lowercasedASCII(run))
                return run.count
            }
            let piece = String(decoding: run, as: UTF8.self)
            words += scalarTokens(in: piece).map(\.text)
            return piece.unicodeScalars.count
        }
        return words
    }

    /// Calls `body` with each maximal run of ASCII token bytes and non-ASCII bytes in `text`, whether
    /// the run is all ASCII, and its offsets in scalars and in bytes; `body` returns the run's length in
    /// scalars.
    /// Non-ASCII scalars may be letters or separators, so such runs need the scalar path.
    private static func forEachRun(in text: String, _ body: (UnsafeBufferPointer<UInt8>, Bool, Int, Int) -> Int) {
        var text = text
        text.withUTF8 { bytes in
            var index = 0
            var offset = 0
            while index < bytes.count {
                guard bytes[index] >= 0x80 || isTokenByte(bytes[index]) else {
                    index += 1
                    offset += 1
                    continue
                }
                var end = index
                var ascii = true
                while end < bytes.count && (bytes[end] >= 0x80 || isTokenByte(bytes[end])) {
                    if bytes[end] >= 0x80 { ascii = false }
                    end += 1
                }
                offset += body(UnsafeBufferPointer(rebasing: bytes[index..<end]), ascii, offset, index)
                index = end
            }
        }
    }

    private static func lowercasedASCII(_ run: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: run.count) { buffer in
            for position in 0..<run.count {
                let byte = run[position]
                buffer[position] = byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
            }
            return run.count
        }
    }

    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
    }

    /// True for the scalars that belong to tokens: letters, numbers, marks, private-use characters and
    /// `_` (the general categories L*, N*, Mn, Mc and Co): exactly the characters the index's FTS5
    /// tokenizer is configured to keep (`categories 'L* N* Co Mn Mc' tokenchars '_'`), so that it never
    /// splits a token this tokenizer made.
    @inline(__always)
    public static func isTokenScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber, .letterNumber,
            .otherNumber, .nonspacingMark, .spacingMark, .privateUse:
            return true
        default:
            return false
        }
    }

    /// `token` in lower case without diacritics.
    public static func fold(_ token: String) -> String {
        if token.utf8.allSatisfy({ $0 < 0x80 }) { return token.lowercased() }
        var result = String.UnicodeScalarView()
        for scalar in token.decomposedStringWithCanonicalMapping.unicodeScalars
        where scalar.properties.generalCategory != .nonspacingMark {
            result.append(scalar)
        }
        let lowered = String(result).lowercased()
        // Case folding, not only lower case: a word's final sigma is the same letter as σ (FTS5 folds
        // it so as well).
        return lowered.contains("ς") ? lowered.replacingOccurrences(of: "ς", with: "σ") : lowered
    }
}
