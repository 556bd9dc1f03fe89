/// The topic frames on the pipeline's pub/sub streams. A subscriber filters by topic prefix.
///
/// | topic | published by | payload |
/// | --- | --- | --- |
/// | `story.ingested` | `ingest` | ``Story`` |
/// | `story.tagged` | `tag` | ``TaggedStory`` |
/// | `alert.<subscription id>` | `notify` | ``Alert`` |
public enum StreamTopic {
    /// New stories from `ingest`.
    public static let storyIngested = "story.ingested"
    /// Tagged stories from `tag`.
    public static let storyTagged = "story.tagged"
    /// The prefix of every alert topic.
    public static let alertPrefix = "alert."

    /// The topic of one subscription's alerts. Subscription ids have a fixed length, so this topic is
    /// never a prefix of another subscription's.
    public static func alert(subscriptionID: String) -> String { alertPrefix + subscriptionID }
}
