import Foundation

/// Turns the HTML (or plain text) that feeds carry into clean plain text: tags removed, `script` and
/// `style` content dropped, block elements as line breaks, entities decoded, white space folded and the
/// result in Unicode NFC.
public enum PlainText {
    // Works on UTF-8 bytes: every byte that matters here (tags, `&`, `;`, white space) is ASCII, and
    // bytes are several times faster to walk than Characters. (It was Character-based until the feed
    // parsing benchmark showed it as the largest cost.)

    /// Plain text of `html`.
    public static func from(html: String) -> String {
        var html = html
        return html.withUTF8 { bytes in
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count)
            var index = 0
            var skipping: String?  // the element whose content is dropped (script, style)
            while index < bytes.count {
                let byte = bytes[index]
                if byte == ascii("<") && skipping == nil && index + 3 < bytes.count && bytes[index + 1] == ascii("!")
                    && bytes[index + 2] == ascii("-") && bytes[index + 3] == ascii("-")
                {
                    // A comment runs to `-->`, or to the end when it is never closed.
                    index = firstIndex(of: [ascii("-"), ascii("-"), ascii(">")], in: bytes, from: index + 4).map { $0 + 3 } ?? bytes.count
                    continue
                }
                // `<` starts a tag only before a letter, `/`, `!` or `?`; otherwise it is text ("a < b").
                if byte == ascii("<"), index + 1 < bytes.count, startsTag(bytes[index + 1]),
                    let close = firstIndex(of: ascii(">"), in: bytes, from: index + 1)
                {
                    var cursor = index + 1
                    let closing = cursor < close && bytes[cursor] == ascii("/")
                    while cursor < close && bytes[cursor] == ascii("/") { cursor += 1 }
                    let nameStart = cursor
                    while cursor < close && isAlphanumeric(bytes[cursor]) { cursor += 1 }
                    let name = String(decoding: bytes[nameStart..<cursor].map(lowercased), as: UTF8.self)
                    let selfClosing = close > index + 1 && bytes[close - 1] == ascii("/")
                    if let skipped = skipping {
                        if closing && name == skipped { skipping = nil }
                    } else if !closing && (name == "script" || name == "style") && !selfClosing {
                        skipping = name
                    } else if blockElements.contains(name) {
                        output.append(ascii("\n"))
                    }
                    index = close + 1
                    continue
                }
                if skipping == nil { output.append(byte) }
                index += 1
            }
            return fold(bytes: decodeEntities(bytes: output))
        }
    }

    static let blockElements: Set<String> = [
        "p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "blockquote", "section",
        "article", "header", "footer", "pre", "hr",
    ]

    /// Folds runs of spaces, tabs and no-break spaces to one space, joins the lines of a paragraph,
    /// keeps one blank line between paragraphs, trims, and normalises to NFC.
    public static func fold(_ text: String) -> String {
        var text = text
        return text.withUTF8 { fold(bytes: Array($0)) }
    }

    static func fold(bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var hasContent = false  // anything written yet
        var lineHasContent = false
        var spacePending = false  // white space or a line break inside a paragraph since the last text
        var paragraphPending = false  // a blank line since the last text
        var index = 0
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            var width = 1
            let isNewline = byte == 0x0A || (byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A)
            if isNewline {
                if byte == 0x0D { width = 2 }
                if lineHasContent { spacePending = true } else if hasContent { paragraphPending = true }
                lineHasContent = false
            } else if byte == 0x20 || byte == 0x09 || (byte == 0xC2 && index + 1 < bytes.count && bytes[index + 1] == 0xA0) {
                if byte == 0xC2 { width = 2 }
                if lineHasContent { spacePending = true }
            } else {
                if hasContent {
                    if paragraphPending {
                        output.append(0x0A)
                        output.append(0x0A)
                    } else if spacePending {
                        output.append(0x20)
                    }
                }
                paragraphPending = false
                spacePending = false
                hasContent = true
                lineHasContent = true
                if byte >= 0x80 { ascii = false }
                output.append(byte)
            }
            index += width
        }
        let text = String(decoding: output, as: UTF8.self)
        return ascii ? text : text.precomposedStringWithCanonicalMapping
    }

    /// Decodes HTML character references: numeric ones and the named ones news text uses.
    public static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var text = text
        return String(decoding: text.withUTF8 { decodeEntities(bytes: Array($0)) }, as: UTF8.self)
    }

    static func decodeEntities(bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(ascii("&")) else { return bytes }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == ascii("&"), let semicolon = bytes[(index + 1)..<min(bytes.count, index + 12)].firstIndex(of: ascii(";")),
                let decoded = decode(String(decoding: bytes[(index + 1)..<semicolon], as: UTF8.self))
            {
                output.append(contentsOf: decoded.utf8)
                index = semicolon + 1
                continue
            }
            output.append(bytes[index])
            index += 1
        }
        return output
    }

    private static func ascii(_ character: Unicode.Scalar) -> UInt8 { UInt8(character.value) }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte >= 0x80
    }

    private static func startsTag(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2F || byte == 0x21 || byte == 0x3F
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte }

    private static func firstIndex(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            if bytes[index] == byte { return index }
            index += 1
        }
        return nil
    }

    private static func firstIndex(of pattern: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard pattern.count <= bytes.count else { return nil }
        var index = start
        while index + pattern.count <= bytes.count {
            var matches = true
            for offset in pattern.indices where bytes[index + offset] != pattern[offset] {
                matches = false
                break
            }
            if matches { return index }
            index += 1
        }
        return nil
    }

    private static func decode(_ name: String) -> String? {
        if name.hasPrefix("#x") || name.hasPrefix("#X") {
            return UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
        }
        if name.hasPrefix("#") {
            return UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String($0) }
        }
        return namedEntities[name]
    }

    static let namedEntities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "ndash": "–", "mdash": "—",
        "lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”", "hellip": "…", "copy": "©", "reg": "®", "trade": "™",
        "euro": "€", "pound": "£", "yen": "¥", "cent": "¢", "deg": "°", "middot": "·", "bull": "•", "laquo": "«",
        "raquo": "»", "eacute": "é", "egrave": "è", "agrave": "à", "aacute": "á", "ccedil": "ç", "uuml": "ü",
        "ouml": "ö", "auml": "ä", "szlig": "ß", "ntilde": "ñ", "oacute": "ó", "iacute": "í", "uacute": "ú",
        "Eacute": "É", "times": "×", "frac12": "½", "shy": "",
    ]
}
