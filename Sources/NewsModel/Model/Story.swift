import Foundation

/// A news story as it travels from `ingest` onwards: the fields a user supplied, its stable id, and
/// when the pipeline received it.
public struct Story: Codable, Sendable, Hashable {
    /// The stable id (see ``StoryIdentity``).
    public var id: String
    /// The headline.
    public var headline: String
    /// The body text.
    public var body: String
    /// Where the story can be read, if known.
    public var url: String?
    /// The outlet or feed that carried it, if known.
    public var source: String?
    /// When it was published. When the source gave no date, or one that could not be read, `ingest` puts
    /// its own receipt time here and sets ``publishedAtEstimated``.
    public var publishedAt: Date?
    /// True when ``publishedAt`` is the time `ingest` received the story, not a date the source gave;
    /// absent otherwise.
    public var publishedAtEstimated: Bool?
    /// Its language as a BCP 47 tag such as `en`, if known.
    public var language: String?
    /// True when the source gave no headline and `ingest` made one from the text (its first sentence,
    /// at most about 120 characters); absent otherwise.
    public var headlineDerived: Bool?
    /// When `ingest` accepted it.
    public var receivedAt: Date
    /// The near-duplicate cluster: the id of the first story `ingest` saw that is the same story re-sent
    /// with small edits or carried by another outlet (this story's own id when it is the first).
    public var clusterID: String?

    /// Creates a story.
    public init(
        id: String, headline: String, body: String, url: String? = nil, source: String? = nil,
        publishedAt: Date? = nil, publishedAtEstimated: Bool? = nil, language: String? = nil, headlineDerived: Bool? = nil,
        receivedAt: Date = Date()
    ) {
        self.id = id
        self.headline = headline
        self.body = body
        self.url = url
        self.source = source
        self.publishedAt = publishedAt
        self.publishedAtEstimated = publishedAtEstimated
        self.language = language
        self.headlineDerived = headlineDerived
        self.receivedAt = receivedAt
    }
}
