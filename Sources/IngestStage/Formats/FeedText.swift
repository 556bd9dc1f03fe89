import Foundation

/// The text of a feed element as a reader means it, and the headline made for an item without one.
///
/// Atom says how its text constructs are written (`type` `text`, `html` or `xhtml`; Atom 0.3 with a
/// MIME type and `mode` `xml`, `escaped` or `base64`; Atom 1.0 content of another type is base64).
/// RSS, RDF, JSON Feed and CDF text is read as HTML, as feedparser reads it. HTML is unescaped once:
/// the XML parser decodes the document's own references, ``PlainText/from(html:)`` the HTML's.
enum FeedText {
    /// How an element's text is written.
    enum Kind: Equatable {
        /// Plain text: kept as it is, only white space folded.
        case text
        /// Escaped HTML: markup removed, entities decoded.
        case html
        /// Inline XHTML (or inline markup in an RSS title): the text of the elements, in order.
        case xhtml
        /// Base64 of text written as the kind given.
        case base64(of: BaseKind)
        /// Binary content (an image, say): no text.
        case binary(type: String)
    }

    /// What base64 content decodes to.
    enum BaseKind: Equatable { case text, html }

    /// The plain text of `node` read as RSS, RDF or JSON Feed text: HTML, and inline elements (markup
    /// the feed did not escape) as their text.
    static func html(_ node: XMLNode?) -> String {
        guard let node else { return "" }
        return PlainText.from(html: node.children.isEmpty ? node.text : node.innerText)
    }

    /// The kind of an Atom text construct or content element.
    static func atomKind(_ node: XMLNode) -> Kind {
        let type = (node.attributes["type"] ?? "text").lowercased()
        if let mode = node.attributes["mode"]?.lowercased() {  // Atom 0.3
            let base: BaseKind = type.contains("html") ? .html : .text
            switch mode {
            case "base64": return type.hasPrefix("text/") || type.contains("html") || type.contains("xml") ? .base64(of: base) : .binary(type: type)
            case "escaped": return base == .html ? .html : .text
            default: return node.children.isEmpty ? (base == .html ? .html : .text) : .xhtml
            }
        }
        switch type {
        case "text", "text/plain": return node.children.isEmpty ? .text : .xhtml
        case "html", "text/html": return .html
        case "xhtml", "application/xhtml+xml": return .xhtml
        default:
            if type.hasPrefix("text/") { return .text }
            if type.hasSuffix("+xml") || type.hasSuffix("/xml") { return .xhtml }
            return .base64(of: .text)
        }
    }

    /// The plain text of an Atom text construct, or why it has none.
    static func atom(_ node: XMLNode?) -> (text: String, binary: String?) {
        guard let node else { return ("", nil) }
        switch atomKind(node) {
        case .text: return (PlainText.fold(node.children.isEmpty ? node.text : node.innerText), nil)
        case .html: return (PlainText.from(html: node.text), nil)
        case .xhtml: return (PlainText.fold(node.innerText), nil)
        case .base64(let base):
            let encoded = node.text.filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: encoded), let decoded = String(data: data, encoding: .utf8) else {
                return ("", "base64 content that is not UTF-8 text")
            }
            return (base == .html ? PlainText.from(html: decoded) : PlainText.fold(decoded), nil)
        case .binary(let type): return ("", "binary content (\(type))")
        }
    }

    /// The most characters of a headline made from the text.
    static let derivedHeadlineLength = 120

    /// A headline for an item that has text but no title: the text's first sentence when it is at
    /// most ``derivedHeadlineLength`` characters, else as many whole words as fit, followed by `…`.
    static func derivedHeadline(from text: String) -> String {
        let firstParagraph = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? text
        var end = firstParagraph.endIndex
        var index = firstParagraph.startIndex
        while index < firstParagraph.endIndex {
            let next = firstParagraph.index(after: index)
            if ".!?".contains(firstParagraph[index]), next == firstParagraph.endIndex || firstParagraph[next] == " " {
                end = next
                break
            }
            index = next
        }
        let sentence = String(firstParagraph[..<end]).trimmingCharacters(in: .whitespaces)
        guard sentence.count > derivedHeadlineLength else { return sentence }
        var headline = ""
        for word in sentence.split(separator: " ") {
            if headline.count + word.count + 1 > derivedHeadlineLength - 1 { break }
            headline += headline.isEmpty ? String(word) : " " + word
        }
        if headline.isEmpty { headline = String(sentence.prefix(derivedHeadlineLength - 1)) }
        return headline + "…"
    }
}
