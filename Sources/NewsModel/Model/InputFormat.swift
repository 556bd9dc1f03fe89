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
        if trimmed.hasPrefix("{") {
            if head.contains("jsonfeed.org/version") { return .jsonFeed }
            return .jsonLines
        }
        if trimmed.hasPrefix("<") {
            let lower = head.lowercased()
            if lower.contains("<rdf:rdf") || lower.contains("purl.org/rss/1.0") { return .rdf }
            if lower.contains("<feed") { return .atom }
            return .rss
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
}
