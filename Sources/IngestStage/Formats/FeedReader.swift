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
    /// True when the item had no title and ``headline`` was made from its text.
    public var headlineDerived = false
    /// Its position among the document's items, from 1 (0 when it was not read from a document).
    public var position = 0

    /// The input story this item is: the GUID, else the canonical URL, else the content gives its id.
    public var input: StoryInput {
        StoryInput(
            headline: headline, body: body.isEmpty ? headline : body, id: guid.map { String($0.prefix(200)) }, url: url,
            source: source, publishedAt: publishedAt.map(RFC3339.format), language: language,
            headlineDerived: headlineDerived ? true : nil)
    }
}

/// An item of a document that did not become a story, and why.
public struct SkippedItem: Sendable, Hashable, CustomStringConvertible {
    /// Its position among the document's items, from 1.
    public var position: Int
    /// Its own id (guid, Atom id), if it has one.
    public var guid: String?
    /// Why it was skipped, for the user.
    public var reason: String

    public var description: String { "item \(position)\(guid.map { " (\($0))" } ?? ""): \(reason)" }
}

/// What a document held: its format, its stories, and the items skipped with their reasons.
public struct FeedDocument: Sendable {
    /// The format read.
    public var format: InputFormat
    /// The items that are stories, in document order.
    public var items: [FeedItem]
    /// The items that are not, each with its reason.
    public var skipped: [SkippedItem]
}

/// Collects a document's items and skipped items as a reader goes.
struct FeedItems {
    /// The document these make, in `format`.
    func document(_ format: InputFormat) -> FeedDocument { FeedDocument(format: format, items: items, skipped: skipped) }

    var items: [FeedItem] = []
    var skipped: [SkippedItem] = []
    var position = 0

    /// Adds the next item, or its reason for being skipped.
    mutating func add(_ item: Result<FeedItem, FeedItemProblem>, guid: String?) {
        position += 1
        switch item {
        case .success(var item):
            item.position = position
            items.append(item)
        case .failure(let problem): skipped.append(SkippedItem(position: position, guid: guid, reason: problem.reason))
        }
    }
}

/// Why an item is not a story.
struct FeedItemProblem: Error {
    let reason: String
}

/// Reads any supported document into items, detecting the format from the content.
public enum FeedReader {
    /// The format of `data`, from its content (see ``InputFormat/detect(_:)``).
    public static func detect(_ data: Data) -> InputFormat { InputFormat.detect(data) }

    /// The items of `data`, parsed on ``BlockingExecutor/parsing``: never on Swift's cooperative pool,
    /// and never more documents at once than it has threads.
    public static func parse(_ data: Data, source: String? = nil) async throws(FeedParseError) -> FeedDocument {
        try await BlockingExecutor.parsing.run { () throws(FeedParseError) in try read(data, source: source) }
    }

    /// The items of `data`, on the calling thread (see ``parse(_:source:)`` for async code).
    /// - Parameter source: the name to record as the items' source when the document names none.
    public static func read(_ data: Data, source: String? = nil) throws(FeedParseError) -> FeedDocument {
        let format = detect(data)
        switch format {
        case .jsonLines:
            throw FeedParseError(message: "JSON Lines is read line by line; use StoryInput.parse(line:)")
        case .jsonFeed:
            return try jsonFeed(data, source: source).document(.jsonFeed)
        case .rss, .rdf, .atom, .cdf:
            try refuseNearFeeds(data)
            let root = try SafeXML.parse(data)
            switch root.name {
            case "rss": return rss(root, source: source).document(.rss)
            case "RDF": return rdf(root, source: source).document(.rdf)
            case "feed": return atom(root, source: source).document(.atom)
            case "CHANNEL", "channel": return cdf(root, source: source).document(.cdf)
            case "opml":
                throw FeedParseError(message: "an OPML subscription list, not a feed: add each outline's xmlUrl as a feed instead")
            case "urlset", "sitemapindex":
                throw FeedParseError(message: "a sitemap (<\(root.name)>), not a feed: it lists pages without headlines or text")
            case "html":
                throw FeedParseError(message: "an XHTML page, not a feed: the page's <link rel=\"alternate\"> names its feed")
            default: throw FeedParseError(message: "an XML document whose root is <\(root.name)> is not a feed")
            }
        case .plainStory:
            return FeedDocument(format: format, items: plainStory(String(decoding: data, as: UTF8.self), source: source), skipped: [])
        case .digest:
            return FeedDocument(format: format, items: digest(String(decoding: data, as: UTF8.self), source: source), skipped: [])
        }
    }

    /// Refuses, with a reason, an HTML page that is not XML (which the XML parser would call broken).
    static func refuseNearFeeds(_ data: Data) throws(FeedParseError) {
        let head = String(decoding: data.prefix(1024), as: UTF8.self).lowercased()
        let start = head.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        if start.hasPrefix("<!doctype html") || start.hasPrefix("<html") {
            throw FeedParseError(message: "an HTML page, not a feed: the page's <link rel=\"alternate\"> names its feed")
        }
    }

    // MARK: - XML feeds

    static let contentModule = "http://purl.org/rss/1.0/modules/content/"
    static let dublinCore = "http://purl.org/dc/elements/1.1/"
    static let atom10 = "http://www.w3.org/2005/Atom"
    static let atom03 = "http://purl.org/atom/ns#"
    static let rss10 = "http://purl.org/rss/1.0/"

    static let dublinCoreTerms = "http://purl.org/dc/terms/"

    static func rss(_ root: XMLNode, source: String?) -> FeedItems {
        var result = FeedItems()
        guard let channel = root.child("channel") else { return result }
        let name = channel.value("title").map(PlainText.from(html:)) ?? source
        let base = channel.value("link")
        let language = channel.value("language")
        // RSS 0.9x puts items beside the channel, 2.0 inside it.
        for item in channel.all("item") + root.all("item") {
            let body = item.child("encoded", in: contentModule) ?? item.child("description")
            result.add(
                makeItem(
                    headline: FeedText.html(item.child("title")), text: FeedText.html(body), guid: item.value("guid"),
                    link: item.value("link"), base: item.xmlBase ?? base, source: name, dates: rssDates(item), language: language),
                guid: item.value("guid"))
        }
        return result
    }

    /// An RSS item's date texts in the order they are tried: `pubDate`, `dc:date`,
    /// `dcterms:modified`, `dcterms:issued`, then `updated` and `published` (Atom's or bare).
    static func rssDates(_ item: XMLNode) -> [String?] {
        [
            item.value("pubDate"), item.value("date", in: dublinCore), item.value("modified", in: dublinCoreTerms),
            item.value("issued", in: dublinCoreTerms), item.value("updated"), item.value("published"),
        ]
    }

    static func rdf(_ root: XMLNode, source: String?) -> FeedItems {
        var result = FeedItems()
        let channel = root.child("channel")
        let name = channel?.value("title").map(PlainText.from(html:)) ?? source
        let base = channel?.value("link")
        let language = channel?.value("language", in: dublinCore)
        for item in root.all("item") {
            let guid = item.attributes["rdf:about"] ?? item.attributes["about"]
            result.add(
                makeItem(
                    headline: FeedText.html(item.child("title")),
                    text: FeedText.html(item.child("encoded", in: contentModule) ?? item.child("description")), guid: guid,
                    link: item.value("link"), base: base, source: name, dates: rssDates(item), language: language),
                guid: guid)
        }
        return result
    }

    static func atom(_ root: XMLNode, source: String?) -> FeedItems {
        var result = FeedItems()
        let name = root.child("title").map { FeedText.atom($0).text }.flatMap { $0.isEmpty ? nil : $0 } ?? source
        let feedBase = root.xmlBase ?? alternateLink(root)
        let language = root.attributes["xml:lang"] ?? root.attributes["lang"]
        for entry in root.all("entry") {
            let base = entry.xmlBase.map { CanonicalURL.make($0, base: feedBase) ?? $0 } ?? feedBase
            // The content, else the summary; an empty or binary content gives way to the summary.
            let content = FeedText.atom(entry.child("content"))
            let summary = FeedText.atom(entry.child("summary"))
            let text = content.text.isEmpty ? summary.text : content.text
            let binary = text.isEmpty ? content.binary ?? summary.binary : nil
            let guid = entry.value("id")
            let dates = [entry.value("published"), entry.value("issued"), entry.value("updated"), entry.value("modified"), entry.value("created")]
            var item = makeItem(
                headline: FeedText.atom(entry.child("title")).text, text: text, guid: guid, link: alternateLink(entry), base: base,
                source: name, dates: dates, language: entry.attributes["xml:lang"] ?? language)
            if case .failure = item, let binary { item = .failure(FeedItemProblem(reason: "no title, and its only content is \(binary)")) }
            result.add(item, guid: guid)
        }
        return result
    }

    /// Channel Definition Format: `ITEM`s (in the channel or nested channels) with a `TITLE`, an
    /// `ABSTRACT`, the link in `HREF` and the date in `LASTMOD`.
    static func cdf(_ root: XMLNode, source: String?) -> FeedItems {
        var result = FeedItems()
        func child(_ node: XMLNode, _ name: String) -> XMLNode? { node.children.first { $0.name.uppercased() == name } }
        func attribute(_ node: XMLNode, _ name: String) -> String? {
            node.attributes.first { $0.key.uppercased() == name }?.value
        }
        let name = child(root, "TITLE").map { FeedText.html($0) }.flatMap { $0.isEmpty ? nil : $0 } ?? source
        var channels = [root]
        while let channel = channels.first {
            channels.removeFirst()
            for node in channel.children {
                switch node.name.uppercased() {
                case "CHANNEL": channels.append(node)
                case "ITEM":
                    let link = attribute(node, "HREF")
                    result.add(
                        makeItem(
                            headline: FeedText.html(child(node, "TITLE")), text: FeedText.html(child(node, "ABSTRACT")), guid: link,
                            link: link, base: attribute(root, "HREF"), source: name, dates: [attribute(node, "LASTMOD")], language: nil),
                        guid: link)
                default: continue
                }
            }
        }
        return result
    }

    static func alternateLink(_ node: XMLNode) -> String? {
        let links = node.all("link")
        let preferred = links.first { ($0.attributes["rel"] ?? "alternate") == "alternate" } ?? links.first
        return preferred?.attributes["href"]
    }

    /// An item from plain `headline` and `text`: without a headline it gets one from the text (marked
    /// as derived); without either it is skipped. Its date is the first of `dates` given, read as the
    /// first that parses.
    static func makeItem(
        headline: String, text: String, guid: String?, link: String?, base: String?, source: String?, dates: [String?],
        language: String?
    ) -> Result<FeedItem, FeedItemProblem> {
        guard !headline.isEmpty || !text.isEmpty else {
            return .failure(FeedItemProblem(reason: "no title and no text"))
        }
        let given = dates.compactMap { $0?.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        let published = given.lazy.compactMap(FeedDate.parse).first
        var item = FeedItem(
            headline: headline.isEmpty ? FeedText.derivedHeadline(from: text) : headline, body: text, guid: guid,
            url: link.flatMap { CanonicalURL.make($0, base: base) }, source: source, publishedAt: published,
            language: language, unreadDate: published == nil ? given.first : nil)
        item.headlineDerived = headline.isEmpty
        return .success(item)
    }

    // MARK: - JSON Feed

    static func jsonFeed(_ data: Data, source: String?) throws(FeedParseError) -> FeedItems {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FeedParseError(message: "not valid JSON")
        }
        guard let items = object["items"] as? [[String: Any]] else {
            throw FeedParseError(message: "a JSON Feed needs an \"items\" array")
        }
        let name = (object["title"] as? String) ?? source
        let base = object["home_page_url"] as? String
        let language = object["language"] as? String
        var result = FeedItems()
        for item in items {
            let text: String
            if let html = item["content_html"] as? String, !html.isEmpty {
                text = PlainText.from(html: html)
            } else if let plain = (item["content_text"] as? String) ?? (item["summary"] as? String) {
                text = PlainText.fold(plain)
            } else {
                text = ""
            }
            let id = (item["id"] as? String) ?? (item["id"] as? NSNumber)?.stringValue
            result.add(
                makeItem(
                    headline: PlainText.fold(item["title"] as? String ?? ""), text: text, guid: id,
                    link: (item["url"] as? String) ?? (item["external_url"] as? String), base: base, source: name,
                    dates: [item["date_published"] as? String, item["date_modified"] as? String],
                    language: (item["language"] as? String) ?? language),
                guid: id)
        }
        return result
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
