import Foundation

/// The input formats `ingest` reads.
public enum InputFormat: String, Sendable, CaseIterable {
    /// One JSON story per line (the public input format).
    case jsonLines = "json-lines"
    /// JSON Feed 1.0 or 1.1.
    case jsonFeed = "json-feed"
    /// RSS 0.9x or 2.0.
    case rss
    /// RSS 1.0 (RDF).
    case rdf
    /// Atom 0.3 or 1.0.
    case atom
    /// Microsoft's Channel Definition Format (a `<CHANNEL>` of `<ITEM>`s).
    case cdf
    /// A story file: a headline line, a blank line, the body.
    case plainStory = "plain-story"
    /// A digest: an article, then a list of headlines, each its own story.
    case digest
}

extension InputFormat {
    /// The format of a document, from its content rather than its name.
    public static func detect(_ data: Data) -> InputFormat {
        let head = String(decoding: data.prefix(4096), as: UTF8.self)
        let trimmed = head.drop(while: { $0.isWhitespace || $0 == "\u{FEFF}" })
        if trimmed.hasPrefix("<") {
            let lower = head.lowercased()
            if lower.contains("<rdf:rdf") || lower.contains("purl.org/rss/1.0") { return .rdf }
            if lower.contains("<feed") { return .atom }
            return .rss
        }
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            // A JSON Feed says so in its top-level "version"; a story that mentions the URL is still a story.
            return declaresJSONFeed(Substring(trimmed)) ? .jsonFeed : .jsonLines
        }
        // A bad first line (`junk`) does not make a JSON Lines file a story file: any line of the head
        // that is a JSON object does.
        let lines = trimmed.split(separator: "\n", maxSplits: 20, omittingEmptySubsequences: true).dropLast(trimmed.count >= 4096 ? 1 : 0)
        if lines.dropFirst().contains(where: { line in
            let text = line.trimmingCharacters(in: .whitespaces)
            return text.hasPrefix("{") && text.hasSuffix("}")
        }) {
            return .jsonLines
        }
        // Text: a digest ends with a block of three or more one-line headlines.
        var blocks: [Int] = []
        var current = 0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                if current > 0 { blocks.append(current) }
                current = 0
            } else {
                current += 1
            }
        }
        if current > 0 { blocks.append(current) }
        if blocks.count >= 2, let last = blocks.last, last >= 3 { return .digest }
        return .plainStory
    }

    /// Whether the JSON text starting at `text` is an object whose top-level `"version"` member is a
    /// JSON Feed version URL (`https://jsonfeed.org/version/1.1`). Scans only the keys of the outermost
    /// object, skipping strings and nested values, so a story's text cannot pass for a declaration.
    static func declaresJSONFeed(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "{") else { return false }
        var index = 1
        var depth = 1
        var expectingKey = true
        var lastKey: [UInt8]?
        func readString() -> [UInt8]? {
            // At an opening quote: the raw bytes up to the closing one.
            var end = index + 1
            var value: [UInt8] = []
            while end < bytes.count {
                let byte = bytes[end]
                if byte == UInt8(ascii: "\\") {
                    if end + 1 < bytes.count { value.append(bytes[end + 1]) }
                    end += 2
                    continue
                }
                if byte == UInt8(ascii: "\"") {
                    index = end + 1
                    return value
                }
                value.append(byte)
                end += 1
            }
            index = bytes.count
            return nil
        }
        while index < bytes.count && depth > 0 {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                guard let string = readString() else { return false }
                if depth == 1 {
                    if expectingKey {
                        lastKey = string
                    } else if lastKey == Array("version".utf8) {
                        let value = String(decoding: string, as: UTF8.self).replacingOccurrences(of: "\\/", with: "/")
                        return value.hasPrefix("https://jsonfeed.org/version") || value.hasPrefix("http://jsonfeed.org/version")
                    }
                }
                continue
            case UInt8(ascii: ":") where depth == 1:
                expectingKey = false
            case UInt8(ascii: ",") where depth == 1:
                expectingKey = true
                lastKey = nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            default:
                break
            }
            index += 1
        }
        return false
    }
}
