import Foundation

/// The public input format: one JSON object per story, as users and their programs write it.
///
/// `headline` and `body` are required non-empty strings; `id`, `url`, `source`, `publishedAt`
/// (RFC 3339) and `language` are optional strings; any other key is ignored. README.md documents it.
public struct StoryInput: Sendable, Hashable {
    /// The headline.
    public var headline: String
    /// The body text.
    public var body: String
    /// An id the user chose, kept as the story id.
    public var id: String?
    /// Where the story can be read.
    public var url: String?
    /// The outlet or feed that carried it.
    public var source: String?
    /// When it was published, as RFC 3339 text.
    public var publishedAt: String?
    /// Its language, such as `en`.
    public var language: String?
    /// True when the headline was made from the text because the source gave none (feeds only; not
    /// part of the JSON input).
    public var headlineDerived: Bool?

    /// Creates an input story.
    public init(
        headline: String, body: String, id: String? = nil, url: String? = nil, source: String? = nil,
        publishedAt: String? = nil, language: String? = nil, headlineDerived: Bool? = nil
    ) {
        self.headlineDerived = headlineDerived
        self.headline = headline
        self.body = body
        self.id = id
        self.url = url
        self.source = source
        self.publishedAt = publishedAt
        self.language = language
    }

    /// Parses one line of JSON Lines input.
    /// - Throws: ``StoryInputError`` saying which field is wrong and why.
    public static func parse(line: some StringProtocol) throws(StoryInputError) -> StoryInput {
        let size = line.utf8.count
        guard size <= StoryLimits.lineBytes else {
            throw StoryInputError(message: StoryLimits.tooLarge("the line", bytes: size, limit: StoryLimits.lineBytes))
        }
        let data = Data(line.utf8)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw StoryInputError(message: "not valid JSON (\(describe(error)))")
        }
        guard let fields = object as? [String: Any] else {
            throw StoryInputError(message: "expected a JSON object with \"headline\" and \"body\", found \(kind(of: object))")
        }
        func required(_ key: String) throws(StoryInputError) -> String {
            guard let value = fields[key], !(value is NSNull) else {
                throw StoryInputError(message: "missing required field \"\(key)\"")
            }
            guard let text = value as? String else {
                throw StoryInputError(message: "field \"\(key)\" must be a string, found \(kind(of: value))")
            }
            guard !text.trimmingWhitespace.isEmpty else {
                throw StoryInputError(message: "field \"\(key)\" is empty")
            }
            return text
        }
        func optional(_ key: String) throws(StoryInputError) -> String? {
            guard let value = fields[key], !(value is NSNull) else { return nil }
            guard let text = value as? String else {
                throw StoryInputError(message: "field \"\(key)\" must be a string, found \(kind(of: value))")
            }
            let trimmed = text.trimmingWhitespace
            return trimmed.isEmpty ? nil : trimmed
        }
        let input = StoryInput(
            headline: try required("headline"), body: try required("body"), id: try optional("id"),
            url: try optional("url"), source: try optional("source"), publishedAt: try optional("publishedAt"),
            language: try optional("language"))
        if let published = input.publishedAt, RFC3339.parse(published) == nil {
            throw StoryInputError(
                message: "field \"publishedAt\" is \"\(published)\", not an RFC 3339 date such as 2026-02-01T09:30:00Z")
        }
        if let problem = StoryLimits.violation(
            headline: input.headline, body: input.body, id: input.id, url: input.url, source: input.source, language: input.language)
        {
            throw StoryInputError(message: problem)
        }
        return input
    }

    private static func kind(of value: Any) -> String {
        switch value {
        case is String: "a string"
        // JSON's true and false arrive as NSNumbers of type "c" (char); numbers never do.
        case let number as NSNumber where String(cString: number.objCType) == "c": "a boolean"
        case is NSNumber: "a number"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        case is NSNull: "null"
        default: "\(type(of: value))"
        }
    }

    private static func describe(_ error: any Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        return text ?? "unreadable input"
    }

    /// Turns the input into a ``Story`` with its stable id. Without a readable `publishedAt` the story
    /// is dated `receivedAt`, marked as estimated.
    public func story(receivedAt: Date = Date()) -> Story {
        let published = publishedAt.flatMap(RFC3339.parse)
        return Story(
            id: StoryIdentity.id(for: self), headline: StoryText.clean(headline).trimmingWhitespace,
            body: StoryText.clean(body).trimmingWhitespace, url: url, source: source.map(StoryText.clean),
            publishedAt: published ?? receivedAt, publishedAtEstimated: published == nil ? true : nil, language: language,
            headlineDerived: headlineDerived, receivedAt: receivedAt)
    }
}

/// Why an input story was refused; ``message`` is one sentence for the user.
public struct StoryInputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the input.
    public let message: String
    /// Creates an error.
    public init(message: String) { self.message = message }
    public var description: String { message }
}
