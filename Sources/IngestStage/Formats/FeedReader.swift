import Foundation
import NewsModel

/// One story read from a document, before it becomes a ``Story``.
public struct FeedItem: Sendable, Hashable {
    /// The headline, as plain text.
    public var headline: String
    /// The body, as plain text.
    public var body: String
    /// The item's own id (RSS guid, Atom id, JSON Feed id), if any.
    public var guid: String?
    /// Its canonical link.
    public var url: String?
    /// The feed or outlet.
    public var source: String?
    /// When it was published, if the document says so in a form that parses.
    public var publishedAt: Date?
    /// Its language.
    public var language: String?
    /// The date text the document gave that could not be read, if any (the story is then dated when
    /// it was received, marked as estimated).
    public var unreadDate: String?

    /// The input story this item is: the GUID, else the canonical URL, else the content gives its id.
    public var input: StoryInput {
        StoryInput(
            headline: headline, body: body.isEmpty ? headline : body, id: guid.map { String($0.prefix(200)) }, url: url,
            source: source, publishedAt: publishedAt.map(RFC3339.format), language: language)
    }
}

/// Reads any supported document into items, detecting the format from the content.
public enum FeedReader {
    /// The format of `data`, from its content (see ``InputFormat/detect(_:)``).
    public static func detect(_ data: Data) -> InputFormat { InputFormat.detect(data) }

    /// The items of `data`, parsed on ``BlockingExecutor/parsing``: never on Swift's cooperative pool,
    /// and never more documents at once than it has threads.
    public static func parse(_ data: Data, source: String? = nil) async throws(FeedParseError) -> (InputFormat, [FeedItem]) {
        try await BlockingExecutor.parsing.run { () throws(FeedParseError) in try read(data, source: source) }
    }

    /// The items of `data`, on the calling thread (see ``parse(_:source:)`` for async code).
    /// - Parameter source: the name to record as the items' source when the document names none.
    public static func read(_ data: Data, source: String? = nil) throws(FeedParseError) -> (InputFormat, [FeedItem]) {
        let format = detect(data)
        switch format {
        case .jsonLines:
            throw FeedParseError(message: "JSON Lines is read line by line; use StoryInput.parse(line:)")
        case .jsonFeed:
            return (format, try jsonFeed(data, source: source))
        case .rss, .rdf, .atom:
            let root = try SafeXML.parse(data)
            switch root.name {
            case "rss": return (.rss, rss(root, source: source))
            case "RDF": return (.rdf, rdf(root, source: source))
            case "feed": return (.atom, atom(root, source: source))
            default: throw FeedParseError(message: "an XML document whose root is <\(root.name)> is not a feed")
            }
        case .plainStory:
            return (format, plainStory(String(decoding: data, as: UTF8.self), source: source))
        case .digest:
            return (format, digest(String(decoding: data, as: UTF8.self), source: source))
        }
    }

    // MARK: - XML feeds

    static let contentModule = "http://purl.org/rss/1.0/modules/content/"
    static let dublinCore = "http://purl.org/dc/elements/1.1/"
    static let atom10 = "http://www.w3.org/2005/Atom"
    static let atom03 = "http://purl.org/atom/ns#"
    static let rss10 = "http://purl.org/rss/1.0/"

    static func rss(_ root: XMLNode, source: String?) -> [FeedItem] {
        guard let channel = root.child("channel") else { return [] }
        let name = channel.value("title").map(PlainText.from(html:)) ?? source
        let base = channel.value("link")
        let language = channel.value("language")
        return channel.all("item").compactMap { item in
            let body = item.value("encoded", in: contentModule) ?? item.value("description") ?? ""
            return makeItem(
                title: item.value("title"), body: body, guid: item.value("guid"),
                link: item.value("link"), base: item.xmlBase ?? base, source: name,
                date: item.value("pubDate") ?? item.value("date", in: dublinCore), language: language)
        }
    }

    static func rdf(_ root: XMLNode, source: String?) -> [FeedItem] {
        let channel = root.child("channel")
        let name = channel?.value("title").map(PlainText.from(html:)) ?? source
        let base = channel?.value("link")
        let language = channel?.value("language", in: dublinCore)
        return root.all("item").compactMap { item in
            makeItem(
                title: item.value("title"), body: item.value("encoded", in: contentModule) ?? item.value("description") ?? "",
                guid: item.attributes["rdf:about"] ?? item.attributes["about"], link: item.value("link"), base: base,
                source: name, date: item.value("date", in: dublinCore), language: language)
        }
    }

    static func atom(_ root: XMLNode, source: String?) -> [FeedItem] {
        let name = root.value("title").map(PlainText.from(html:)) ?? source
        let feedBase = root.xmlBase ?? alternateLink(root)
        let language = root.attributes["xml:lang"] ?? root.attributes["lang"]
        return root.all("entry").compactMap { entry in
            let base = entry.xmlBase.map { CanonicalURL.make($0, base: feedBase) ?? $0 } ?? feedBase
            let content = entry.child("content") ?? entry.child("summary")
            let body: String
            if let content, content.attributes["type"] == "xhtml" {
                body = content.children.map(\.innerText).joined(separator: "\n")
            } else {
                body = content?.text ?? ""
            }
            return makeItem(
                title: entry.value("title"), body: body, guid: entry.value("id"), link: alternateLink(entry), base: base,
                source: name,
                date: entry.value("published") ?? entry.value("issued") ?? entry.value("updated") ?? entry.value("modified"),
                language: entry.attributes["xml:lang"] ?? language)
        }
    }

    static func alternateLink(_ node: XMLNode) -> String? {
        let links = node.all("link")
        let preferred = links.first { ($0.attributes["rel"] ?? "alternate") == "alternate" } ?? links.first
        return preferred?.attributes["href"]
    }

    static func makeItem(
        title: String?, body: String, guid: String?, link: String?, base: String?, source: String?, date: String?,
        language: String?
    ) -> FeedItem? {
        let headline = PlainText.from(html: title ?? "")
        let text = PlainText.from(html: body)
        guard !headline.isEmpty || !text.isEmpty else { return nil }
        let dateText = date?.trimmingCharacters(in: .whitespacesAndNewlines)
        let published = dateText.flatMap(FeedDate.parse)
        return FeedItem(
            headline: headline.isEmpty ? String(text.prefix(120)) : headline, body: text, guid: guid,
            url: link.flatMap { CanonicalURL.make($0, base: base) }, source: source, publishedAt: published,
            language: language, unreadDate: published == nil && dateText?.isEmpty == false ? dateText : nil)
    }

    // MARK: - JSON Feed

    static func jsonFeed(_ data: Data, source: String?) throws(FeedParseError) -> [FeedItem] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FeedParseError(message: "not valid JSON")
        }
        guard let items = object["items"] as? [[String: Any]] else {
            throw FeedParseError(message: "a JSON Feed needs an \"items\" array")
        }
        let name = (object["title"] as? String) ?? source
        let base = object["home_page_url"] as? String
        let language = object["language"] as? String
        return items.compactMap { item in
            let body = (item["content_html"] as? String) ?? (item["content_text"] as? String) ?? (item["summary"] as? String) ?? ""
            let id = (item["id"] as? String) ?? (item["id"] as? NSNumber)?.stringValue
            return makeItem(
                title: item["title"] as? String, body: body, guid: id, link: (item["url"] as? String) ?? (item["external_url"] as? String),
                base: base, source: name, date: (item["date_published"] as? String) ?? (item["date_modified"] as? String),
                language: (item["language"] as? String) ?? language)
        }
    }

    // MARK: - Text files

    /// The blocks of `text` separated by blank lines, each as its non-empty lines.
    static func paragraphs(_ text: String) -> [[String]] {
        var blocks: [[String]] = []
        var current: [String] = []
        for line in text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                if !current.isEmpty { blocks.append(current) }
                current = []
            } else {
                current.append(trimmed)
            }
        }
        if !current.isEmpty { blocks.append(current) }
        return blocks
    }

    static func plainStory(_ text: String, source: String?) -> [FeedItem] {
        let blocks = paragraphs(text)
        guard let first = blocks.first else { return [] }
        let headline = first.joined(separator: " ")
        let body = blocks.dropFirst().map { $0.joined(separator: " ") }.joined(separator: "\n\n")
        return [FeedItem(headline: PlainText.fold(headline), body: PlainText.fold(body), source: source)]
    }

    /// An article, then a list of headlines: the article is one story (its first sentence as the
    /// headline) and each headline line another.
    static func digest(_ text: String, source: String?) -> [FeedItem] {
        var blocks = paragraphs(text)
        guard let list = blocks.popLast() else { return [] }
        var items: [FeedItem] = []
        let article = blocks.map { $0.joined(separator: " ") }.joined(separator: "\n\n")
        if !article.isEmpty {
            let firstSentence = article.split(separator: ".", maxSplits: 1).first.map(String.init) ?? article
            items.append(FeedItem(headline: PlainText.fold(String(firstSentence.prefix(160))), body: PlainText.fold(article), source: source))
        }
        for line in list {
            let headline = PlainText.fold(line)
            items.append(FeedItem(headline: headline, body: headline, source: source))
        }
        return items
    }
}

extension XMLNode {
    /// The text of this element and all below it.
    var innerText: String {
        ([text] + children.map(\.innerText)).joined(separator: " ")
    }
}
