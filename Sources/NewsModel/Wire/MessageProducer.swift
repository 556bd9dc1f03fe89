import Foundation

/// Stamps outgoing envelopes with this process's producer id and epoch; the gap-free sequence numbers
/// come from the producer's journal, which numbers what it stores.
public final class MessageProducer: Sendable {
    /// The producer id, stable across restarts (such as `tag-0`).
    public let id: String
    /// This start's epoch: microseconds since 1970 when the process started.
    public let epoch: UInt64

    /// Creates a producer with a fresh epoch.
    public init(id: String, epoch: UInt64 = UInt64(Date().timeIntervalSince1970 * 1_000_000)) {
        self.id = id
        self.epoch = epoch
    }

    /// A new envelope for `payload` with a sequence number from the producer's journal.
    public func envelope(_ payload: Payload, originAt: Date, sequence: UInt64) -> Envelope {
        Envelope(producer: id, epoch: epoch, sequence: sequence, sentAt: Date(), originAt: originAt, payload: payload)
    }
}
