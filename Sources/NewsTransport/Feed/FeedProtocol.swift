import Foundation
import NewsModel

/// The reliable feed protocol between a producer (ROUTER) and its consumers (one DEALER per producer).
/// docs/PROTOCOL.md describes it; these are its frames.
///
/// Consumer to producer: `["hello", FeedHello]`, `["ack", "<seq>"]`, `["ping", ""]`, `["bye", ""]`.
/// Producer to consumer: `["msg", "<seq>", topic, envelope]`, `["hb", FeedHeartbeat]`, `["err", FeedProblem]`.
public enum FeedFrame {
    /// A consumer joins (or rejoins) its group.
    public static let hello = "hello"
    /// A consumer has fully handled a message.
    public static let ack = "ack"
    /// A consumer is alive.
    public static let ping = "ping"
    /// A consumer is leaving; its unacknowledged messages go to the rest of its group at once.
    public static let bye = "bye"
    /// A journaled message.
    public static let message = "msg"
    /// The producer is alive, with its head and the group's position.
    public static let heartbeat = "hb"
    /// Something the consumer must know, such as messages dropped by retention.
    public static let problem = "err"
}

/// Where a new consumer group starts reading.
public enum FeedStart: String, Codable, Sendable, Hashable {
    /// At the oldest entry the journal still has: a new stage sees everything retained.
    case earliest
    /// After the newest entry: a follower sees what comes next.
    case latest
}

/// A consumer's greeting.
public struct FeedHello: Codable, Sendable, Hashable {
    /// The consumer group; replicas with the same group share the messages.
    public var group: String
    /// The replica's instance name, stable across restarts.
    public var instance: String
    /// How many unacknowledged messages it accepts at once.
    public var window: Int
    /// Where a group that the producer does not know yet starts.
    public var start: FeedStart
    /// Whether the producer stores the group's position (stages) or forgets the group when its last
    /// replica leaves (followers such as `newsctl tail`).
    public var durable: Bool
    /// Only messages whose topic starts with this are delivered; the rest count as handled.
    public var topicPrefix: String?
    /// For a group the producer does not know: start after this sequence number instead of `start`.
    /// A non-durable consumer sends the last it received, so a producer restart costs it nothing.
    public var resumeAfter: UInt64?

    /// Creates a greeting.
    public init(group: String, instance: String, window: Int, start: FeedStart, durable: Bool, topicPrefix: String? = nil) {
        self.group = group
        self.instance = instance
        self.window = window
        self.start = start
        self.durable = durable
        self.topicPrefix = topicPrefix
    }
}

/// A producer's heartbeat to one consumer.
public struct FeedHeartbeat: Codable, Sendable, Hashable {
    /// The producer's instance name.
    public var producer: String
    /// The producer's epoch: a new value means it restarted, and the consumer greets it again.
    public var epoch: UInt64
    /// The producer's last journaled sequence number.
    public var head: UInt64
    /// The oldest sequence number the journal still keeps.
    public var oldest: UInt64
    /// The consumer's group.
    public var group: String
    /// Every message up to here has been handled by the group.
    public var position: UInt64
    /// Whether the producer knows this consumer (false: greet again).
    public var registered: Bool
}

/// A problem the producer reports to a consumer.
public struct FeedProblem: Codable, Sendable, Hashable {
    /// `dropped`: the group asked for entries retention already removed. `bad_hello`: the greeting
    /// could not be read.
    public var code: String
    /// One sentence for the log.
    public var message: String
}
