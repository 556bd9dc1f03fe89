import Foundation

/// A message as it came off a socket: its topic frame and decoded envelope.
public struct InboundMessage: Sendable, Hashable {
    /// The topic frame.
    public var topic: String
    /// The envelope.
    public var envelope: Envelope
}

/// Turns envelopes into `[topic frame][JSON envelope]` messages and back. The only place the wire
/// format is written or read.
public struct WireCodec: Sendable {
    /// One encoder and one decoder for every message (Foundation's are safe to share).
    private static let encoder = JSONCoding.encoder()
    private static let decoder = JSONCoding.decoder()

    /// Creates a codec.
    public init() {}

    /// Encodes a message's two frames.
    public func encode(topic: String, envelope: Envelope) throws -> [Data] {
        [Data(topic.utf8), try Self.encoder.encode(envelope)]
    }

    /// Decodes a received message.
    /// - Throws: ``WireError`` saying what was wrong; the caller logs and counts it and goes on.
    public func decode(_ frames: [Data]) throws(WireError) -> InboundMessage {
        guard frames.count == 2 else {
            throw WireError(code: .badFrames, message: "expected 2 frames (topic, envelope), got \(frames.count)")
        }
        let topic = String(decoding: frames[0], as: UTF8.self)
        do {
            let envelope = try Self.decoder.decode(Envelope.self, from: frames[1])
            return InboundMessage(topic: topic, envelope: envelope)
        } catch let error as WireError {
            throw error
        } catch let error as DecodingError {
            throw WireError(code: .malformed, message: "malformed envelope on \(topic): \(DecodingErrorText.describe(error))")
        } catch {
            throw WireError(code: .malformed, message: "malformed envelope on \(topic): \(error)")
        }
    }
}

/// One readable sentence for a `DecodingError`.
public enum DecodingErrorText {
    /// Describes `error` with the path of the field at fault.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = context.codingPath.isEmpty ? "" : " in \(path(context.codingPath))"
            return "missing field \"\(key.stringValue)\"\(parent)"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) should be \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) is null, expected \(type)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
