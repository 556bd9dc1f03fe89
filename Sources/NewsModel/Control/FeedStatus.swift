import Foundation

/// One producer as a consumer sees it, for `status`.
public struct FeedSourceStatus: Codable, Sendable, Hashable {
    /// The producer's endpoint.
    public var endpoint: String
    /// The producer's instance name, once a heartbeat has arrived.
    public var producer: String?
    /// The producer's last journaled sequence number.
    public var head: UInt64
    /// The group's position at that producer.
    public var position: UInt64
    /// Messages the group has not handled yet: `head - position`.
    public var lag: UInt64
    /// Whether a heartbeat arrived in the last few seconds.
    public var connected: Bool
    /// The last problem the producer reported, such as messages dropped by retention.
    public var problem: String?

    /// Creates a status.
    public init(endpoint: String, producer: String?, head: UInt64, position: UInt64, lag: UInt64, connected: Bool, problem: String?) {
        self.endpoint = endpoint
        self.producer = producer
        self.head = head
        self.position = position
        self.lag = lag
        self.connected = connected
        self.problem = problem
    }
}

/// One consumer group as `status` shows it.
public struct FeedGroupStatus: Codable, Sendable, Hashable {
    /// The group's name.
    public var group: String
    /// Everything up to here is handled.
    public var position: UInt64
    /// Messages journaled but not yet handled by the group.
    public var backlog: UInt64
    /// Messages sent and not yet acknowledged.
    public var inFlight: Int
    /// The replicas connected now.
    public var replicas: [String]

    /// Creates a status.
    public init(group: String, position: UInt64, backlog: UInt64, inFlight: Int, replicas: [String]) {
        self.group = group
        self.position = position
        self.backlog = backlog
        self.inFlight = inFlight
        self.replicas = replicas
    }
}
