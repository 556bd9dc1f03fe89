import Foundation

/// Turns the HTML (or plain text) that feeds carry into clean plain text: tags removed, `script` and
/// `style` content dropped, block elements as line breaks, entities decoded, white space folded and the
/// result in Unicode NFC.
public enum PlainText {
    /// Plain text of `html`.
    public static func from(html: String) -> String {
        var output = ""
        output.reserveCapacity(html.utf8.count)
        var index = html.startIndex
        var skipping: String?  // the element whose content is dropped (script, style)
        while index < html.endIndex {
            let character = html[index]
            if character == "<", let close = html[index...].firstIndex(of: ">") {
                let tag = html[html.index(after: index)..<close]
                let name = tag.drop(while: { $0 == "/" }).prefix(while: { $0.isLetter || $0.isNumber }).lowercased()
                let closing = tag.hasPrefix("/")
                if let skipped = skipping {
                    if closing && name == skipped { skipping = nil }
                } else if !closing && (name == "script" || name == "style") && !tag.hasSuffix("/") {
                    skipping = name
                } else if blockElements.contains(name) {
                    output.append("\n")
                } else if tag.hasPrefix("!--") {
                    // A comment: skip to its end.
                    if let end = html.range(of: "-->", range: index..<html.endIndex) {
                        index = end.upperBound
                        continue
                    }
                }
                index = html.index(after: close)
                continue
            }
            if skipping == nil { output.append(character) }
            index = html.index(after: index)
        }
        return fold(decodeEntities(output))
    }

    static let blockElements: Set<String> = [
        "p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "blockquote", "section",
        "article", "header", "footer", "pre", "hr",
    ]

    /// Folds runs of spaces and tabs to one space, keeps at most one blank line between paragraphs, trims,
    /// and normalises to NFC.
    public static func fold(_ text: String) -> String {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\u{A0}" }).joined(separator: " ") }
        var paragraphs: [String] = []
        var current: [String] = []
        for line in lines {
            if line.isEmpty {
                if !current.isEmpty { paragraphs.append(current.joined(separator: " ")) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { paragraphs.append(current.joined(separator: " ")) }
        return paragraphs.joined(separator: "\n\n").precomposedStringWithCanonicalMapping
    }

    /// Decodes HTML character references: numeric ones and the named ones news text uses.
    public static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "&", let semicolon = text[index...].prefix(12).firstIndex(of: ";") {
                let name = String(text[text.index(after: index)..<semicolon])
                if let decoded = decode(name) {
                    output.append(decoded)
                    index = text.index(after: semicolon)
                    continue
                }
            }
            output.append(text[index])
            index = text.index(after: index)
        }
        return output
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
