import Foundation
import NewsTransport

/// Where a reader of the live streams is: for each producer replica (by instance name, such as
/// `notify-0`), the last sequence number it was sent. It is the `id:` of every Server-Sent Event and
/// the `id` of every JSON Lines event; given back as `Last-Event-ID` or `?since=`, the stream resumes
/// right after it, from the producers' durable journals, within their retention.
///
/// Written `notify-0:1234,notify-1:98`: instance names are letters, digits, `-`, `_` and `.`.
public struct StreamCursor: Sendable, Hashable, CustomStringConvertible {
    /// Each producer instance's last sequence sent.
    public private(set) var positions: [String: UInt64]

    /// A cursor at these positions.
    public init(positions: [String: UInt64] = [:]) {
        self.positions = positions
    }

    /// Reads a cursor as ``description`` writes it; nil for anything else.
    public init?(_ text: String) {
        var positions: [String: UInt64] = [:]
        for part in text.split(separator: ",") {
            let pair = part.split(separator: ":")
            guard pair.count == 2, let sequence = UInt64(pair[1]), Self.isInstanceName(pair[0]) else { return nil }
            positions[String(pair[0])] = sequence
        }
        self.positions = positions
    }

    public var description: String {
        positions.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
    }

    /// Whether the event `sequence` of `instance` comes after the cursor (and so has not been sent).
    public func isNew(_ sequence: UInt64, from instance: String) -> Bool {
        sequence > (positions[instance] ?? 0)
    }

    /// Moves the cursor past `sequence` of `instance`.
    public mutating func advance(_ sequence: UInt64, from instance: String) {
        positions[instance] = max(positions[instance] ?? 0, sequence)
    }

    /// The feed endpoints' resume points, for ``FeedConsumer/start(context:sources:hello:resumeAfter:logger:)``.
    func resumePoints(in layout: PipelineLayout) -> [String: UInt64] {
        Dictionary(uniqueKeysWithValues: positions.map { (layout.feed($0.key), $0.value) })
    }

    /// The instance name of a feed endpoint in the run directory (`ipc://…/notify-0.feed` is `notify-0`).
    static func instance(ofFeed endpoint: String) -> String {
        let name = endpoint.split(separator: "/").last.map(String.init) ?? endpoint
        return name.hasSuffix(".feed") ? String(name.dropLast(5)) : name
    }

    static func isInstanceName(_ text: Substring) -> Bool {
        !text.isEmpty && text.count <= 100 && text.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) }
    }
}
