import Foundation
import NewsModel
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An element of a parsed XML document: what the feed readers need and nothing more.
final class XMLNode {
    let name: String
    let namespace: String?
    let attributes: [String: String]
    private(set) var children: [XMLNode] = []
    /// The direct text before each child and after the last: `segments[i]` precedes `children[i]`,
    /// so mixed content (`Election <b>results</b> are in`) keeps its order.
    private var segments = [""]

    /// The element's own text (without its children's), as the parser gave it.
    var text: String { segments.count == 1 ? segments[0] : segments.joined() }

    /// Adds text at the end of the element's content.
    func append(text: String) { segments[segments.count - 1] += text }

    /// Adds a child at the end of the element's content.
    func append(child: XMLNode) {
        children.append(child)
        segments.append("")
    }

    /// The text of this element and everything below it, in document order; block-level XHTML
    /// elements (`p`, `div`, `br`, `li`…) start a new line.
    var innerText: String {
        var output = ""
        appendInnerText(to: &output)
        return output
    }

    private func appendInnerText(to output: inout String) {
        // Depth is bounded by SafeXML.maxDepth, so recursion is safe here.
        for (index, child) in children.enumerated() {
            output += segments[index]
            let block = PlainText.blockElements.contains(child.name.lowercased())
            if block { output += "\n" }
            child.appendInnerText(to: &output)
            if block { output += "\n" }
        }
        output += segments[segments.count - 1]
    }

    init(name: String, namespace: String?, attributes: [String: String]) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
    }

    /// Releases the tree below without recursion: a child this node alone holds hands its own children
    /// to a work list before it goes, so no depth of tree can overflow the stack.
    deinit {
        var pending = children
        children = []
        while var node = pending.popLast() {
            if isKnownUniquelyReferenced(&node) {
                pending.append(contentsOf: node.children)
                node.children = []
            }
        }
    }

    /// The first child called `name` (in `namespace`, if given).
    func child(_ name: String, in namespace: String? = nil) -> XMLNode? {
        children.first { $0.name == name && (namespace == nil || $0.namespace == namespace) }
    }

    /// Every child called `name`.
    func all(_ name: String, in namespace: String? = nil) -> [XMLNode] {
        children.filter { $0.name == name && (namespace == nil || $0.namespace == namespace) }
    }

    /// The trimmed text of the first child called `name`, if not empty.
    func value(_ name: String, in namespace: String? = nil) -> String? {
        guard let text = child(name, in: namespace)?.text.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            return nil
        }
        return text
    }

    /// The `xml:base` attribute, however the parser reported its name.
    var xmlBase: String? { attributes["xml:base"] ?? attributes["base"] }
}

/// Why a document could not be read.
public struct FeedParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, for the user.
    public let message: String
    /// An error saying `message`.
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Parses XML feeds so that no input can crash the process: the bytes are first decoded (as UTF-8 when
/// they are valid UTF-8, else in the declared encoding, else as Windows-1252) and re-encoded as valid
/// UTF-8, the DOCTYPE and its internal subset are removed so no entity is ever defined or resolved (no
/// XXE, no entity expansion), and HTML named entities become numeric references. Foundation's
/// `XMLParser` then sees only valid UTF-8 (it dies with SIGILL on some invalid UTF-8).
enum SafeXML {
    /// The largest document accepted.
    static let maxBytes = StoryLimits.documentBytes
    /// The deepest nesting of elements accepted; feeds need a dozen levels, XHTML content a few more.
    static let maxDepth = 256

    static func parse(_ data: Data) throws(FeedParseError) -> XMLNode {
        guard data.count <= maxBytes else {
            throw FeedParseError(message: "the document is \(data.count) bytes, more than the \(maxBytes) accepted")
        }
        let text = sanitize(decode(data))
        let builder = TreeBuilder()
        // Given the whole document at once, libxml2 refuses anything over 10,000,000 bytes ("huge input
        // lookup") although the cap is 16 MiB: a larger document is fed from a stream, in small chunks
        // (slower, so only where it is needed).
        let bytes = Data(text.utf8)
        let parser = bytes.count < 10_000_000 ? XMLParser(data: bytes) : XMLParser(stream: InputStream(data: bytes))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let succeeded = parser.parse()
        if builder.tooDeep {
            throw FeedParseError(message: "elements are nested more than \(maxDepth) deep (at line \(parser.lineNumber)); not read")
        }
        guard succeeded, parser.parserError == nil, let root = builder.root else {
            let error = parser.parserError.map { "\($0.localizedDescription)" } ?? "no root element"
            throw FeedParseError(message: "not well-formed XML at line \(parser.lineNumber), column \(parser.columnNumber): \(error)")
        }
        if let open = builder.stack.last {
            throw FeedParseError(message: "not well-formed XML: the document ends inside <\(open.name)>")
        }
        return root
    }

    /// The document as a Swift string, from whatever encoding it came in.
    static func decode(_ data: Data) -> String {
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if let text = String(data: bytes, encoding: .utf8) { return text }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]),
            let text = String(data: bytes, encoding: .utf16)
        {
            return text
        }
        let head = String(decoding: bytes.prefix(200), as: UTF8.self).lowercased()
        if head.contains("encoding=\"iso-8859-1\"") || head.contains("encoding='iso-8859-1'") || head.contains("latin") {
            if let text = String(data: bytes, encoding: .isoLatin1) { return text }
        }
        return String(data: bytes, encoding: .windowsCP1252) ?? String(decoding: bytes, as: UTF8.self)
    }

    /// Removes the XML declaration and DOCTYPE, and turns HTML named entities into numeric ones.
    static func sanitize(_ text: String) -> String {
        var text = text
        if text.hasPrefix("<?xml"), let end = text.range(of: "?>") { text.removeSubrange(text.startIndex..<end.upperBound) }
        if let start = doctypeInProlog(text) {
            var depth = 0
            var index = start.upperBound
            while index < text.endIndex {
                let character = text[index]
                if character == "[" { depth += 1 }
                if character == "]" { depth -= 1 }
                if character == ">" && depth <= 0 { break }
                index = text.index(after: index)
            }
            // An unterminated DOCTYPE runs to the end of the document (found by `make fuzz`).
            text.removeSubrange(start.lowerBound..<(index < text.endIndex ? text.index(after: index) : text.endIndex))
        }
        guard text.contains("&") else { return text }
        var output = ""
        output.reserveCapacity(text.utf8.count)
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "&", let semicolon = text[index...].prefix(12).firstIndex(of: ";") {
                let name = String(text[text.index(after: index)..<semicolon])
                if !["amp", "lt", "gt", "quot", "apos"].contains(name), !name.hasPrefix("#"),
                    let value = PlainText.namedEntities[name]
                {
                    output += value.unicodeScalars.map { "&#\($0.value);" }.joined()
                    index = text.index(after: semicolon)
                    continue
                }
                if !name.hasPrefix("#") && !["amp", "lt", "gt", "quot", "apos"].contains(name) {
                    // An entity XML does not know: keep it as text instead of failing the document.
                    output += "&amp;"
                    index = text.index(after: index)
                    continue
                }
            }
            output.append(text[index])
            index = text.index(after: index)
        }
        return output
    }

    /// The `<!DOCTYPE` of the prolog (before the root element, after white space, comments and
    /// processing instructions), if any. One later in the document is content: inside CDATA it is
    /// text, and anywhere else the parser refuses it.
    static func doctypeInProlog(_ text: String) -> Range<String.Index>? {
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character.isWhitespace || character == "\u{FEFF}" {
                index = text.index(after: index)
                continue
            }
            let rest = text[index...]
            if rest.hasPrefix("<!--") {
                guard let end = rest.range(of: "-->") else { return nil }
                index = end.upperBound
            } else if rest.hasPrefix("<?") {
                guard let end = rest.range(of: "?>") else { return nil }
                index = end.upperBound
            } else if rest.prefix(9).uppercased() == "<!DOCTYPE" {
                return index..<text.index(index, offsetBy: 9)
            } else {
                return nil
            }
        }
        return nil
    }

    final class TreeBuilder: NSObject, XMLParserDelegate {
        var root: XMLNode?
        var stack: [XMLNode] = []
        var tooDeep = false

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            guard stack.count < SafeXML.maxDepth else {
                tooDeep = true
                parser.abortParsing()
                return
            }
            let node = XMLNode(name: elementName, namespace: namespaceURI?.isEmpty == false ? namespaceURI : nil, attributes: attributes)
            if let parent = stack.last { parent.append(child: node) } else { root = node }
            stack.append(node)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.append(text: string)
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            stack.last?.append(text: String(decoding: CDATABlock, as: UTF8.self))
        }
    }
}
