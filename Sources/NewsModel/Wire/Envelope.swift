import Foundation

/// What a message carries.
public enum MessageKind: String, Codable, Sendable, Hashable, CaseIterable {
    /// A ``Story`` from `ingest`.
    case story
    /// A ``TaggedStory`` from `tag`.
    case taggedStory = "tagged_story"
    /// An ``Alert`` from `notify`.
    case alert
}

/// The payload of a message; its case decides the envelope's `kind`.
public enum Payload: Sendable, Hashable {
    /// A new story.
    case story(Story)
    /// A tagged story.
    case taggedStory(TaggedStory)
    /// An alert.
    case alert(Alert)

    /// The message kind of this payload.
    public var kind: MessageKind {
        switch self {
        case .story: .story
        case .taggedStory: .taggedStory
        case .alert: .alert
        }
    }
}

/// The JSON object in the second frame of every pipeline message (docs/PROTOCOL.md).
public struct Envelope: Sendable, Hashable {
    /// The schema version this build writes and reads.
    public static let currentVersion = 1

    /// Schema version (`v`).
    public var version: Int
    /// A message id unique across producers and restarts: `<producer>/<epoch>/<seq>`.
    public var messageID: String
    /// The producing process's stable id, such as `tag-0`.
    public var producer: String
    /// The producer's epoch: a new value on every start.
    public var epoch: UInt64
    /// The producer's sequence number in this epoch, from 1, without gaps.
    public var sequence: UInt64
    /// When the producer sent it.
    public var sentAt: Date
    /// When the story behind it entered the pipeline; carried unchanged from stage to stage.
    public var originAt: Date
    /// The payload.
    public var payload: Payload

    /// The message kind (the payload's).
    public var kind: MessageKind { payload.kind }

    /// Creates an envelope of the current version.
    public init(producer: String, epoch: UInt64, sequence: UInt64, sentAt: Date, originAt: Date, payload: Payload) {
        self.version = Envelope.currentVersion
        self.messageID = "\(producer)/\(epoch)/\(sequence)"
        self.producer = producer
        self.epoch = epoch
        self.sequence = sequence
        self.sentAt = sentAt
        self.originAt = originAt
        self.payload = payload
    }
}

extension Envelope: Codable {
    enum CodingKeys: String, CodingKey {
        case version = "v"
        case kind, messageID = "id", producer, epoch, sequence = "seq", sentAt, originAt, payload
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .version)
        guard version == Envelope.currentVersion else {
            throw WireError(code: .unsupportedVersion, message: "envelope version \(version) is not supported (this build reads \(Envelope.currentVersion))")
        }
        let kindText = try container.decode(String.self, forKey: .kind)
        guard let kind = MessageKind(rawValue: kindText) else {
            throw WireError(code: .unknownKind, message: "unknown message kind \"\(kindText)\"")
        }
        self.version = version
        messageID = try container.decode(String.self, forKey: .messageID)
        producer = try container.decode(String.self, forKey: .producer)
        epoch = try container.decode(UInt64.self, forKey: .epoch)
        sequence = try container.decode(UInt64.self, forKey: .sequence)
        sentAt = try container.decode(Date.self, forKey: .sentAt)
        originAt = try container.decode(Date.self, forKey: .originAt)
        switch kind {
        case .story: payload = .story(try container.decode(Story.self, forKey: .payload))
        case .taggedStory: payload = .taggedStory(try container.decode(TaggedStory.self, forKey: .payload))
        case .alert: payload = .alert(try container.decode(Alert.self, forKey: .payload))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(kind.rawValue, forKey: .kind)
        try container.encode(messageID, forKey: .messageID)
        try container.encode(producer, forKey: .producer)
        try container.encode(epoch, forKey: .epoch)
        try container.encode(sequence, forKey: .sequence)
        try container.encode(sentAt, forKey: .sentAt)
        try container.encode(originAt, forKey: .originAt)
        switch payload {
        case .story(let story): try container.encode(story, forKey: .payload)
        case .taggedStory(let tagged): try container.encode(tagged, forKey: .payload)
        case .alert(let alert): try container.encode(alert, forKey: .payload)
        }
    }
}
