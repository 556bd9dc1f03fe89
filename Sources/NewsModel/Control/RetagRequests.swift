import Foundation

/// A page of stored stories from `index` (`stories`), oldest first, for retagging.
public struct StoriesRequest: Codable, Sendable, Hashable {
    /// Only stories received at or after this time, if given.
    public var since: Date?
    /// The cursor from the previous page's ``StoriesPage/next``, if any.
    public var after: Int64?
    /// At most this many stories (1 to 1000).
    public var limit: Int

    /// Creates a request.
    public init(since: Date? = nil, after: Int64? = nil, limit: Int = 500) {
        self.since = since
        self.after = after
        self.limit = limit
    }
}

/// One page of stored stories.
public struct StoriesPage: Codable, Sendable, Hashable {
    /// The stories as ingest accepted them (ids and clusters kept).
    public var stories: [Story]
    /// The cursor for the next page; nil on the last.
    public var next: Int64?

    /// Creates a page.
    public init(stories: [Story], next: Int64?) {
        self.stories = stories
        self.next = next
    }
}

/// Stories for `ingest` to send through the pipeline again (`resubmit`), ids and clusters unchanged
/// and without the duplicate check, so that tag sees them with a new taxonomy or model.
public struct ResubmitRequest: Codable, Sendable, Hashable {
    /// The stories.
    public var stories: [Story]
    /// Creates a request.
    public init(stories: [Story]) { self.stories = stories }
}
