import Foundation

/// A request with how long its client waits for the reply (`timeoutMs` beside `v`, `method` and
/// `params`): a stage does not start work whose client has already given up, and stops work its client
/// will not wait for.
public struct TimedControlRequest: Encodable, Sendable {
    /// The request.
    public var request: ControlRequest
    /// How long the client waits, in milliseconds; nil when it does not say.
    public var timeoutMilliseconds: Int?

    enum CodingKeys: String, CodingKey { case timeoutMilliseconds = "timeoutMs" }

    /// Creates a timed request.
    public init(request: ControlRequest, timeoutMilliseconds: Int?) {
        self.request = request
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    public func encode(to encoder: any Encoder) throws {
        try request.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(timeoutMilliseconds, forKey: .timeoutMilliseconds)
    }
}

/// A request as a stage reads it: the request and how long its client waits, decoded in one pass.
package struct ReceivedControlRequest: Decodable {
    /// The request.
    package var request: ControlRequest
    /// How long its client waits, when it said.
    package var timeoutMilliseconds: Int?

    enum CodingKeys: String, CodingKey { case timeoutMilliseconds = "timeoutMs" }

    package init(from decoder: any Decoder) throws {
        request = try ControlRequest(from: decoder)
        timeoutMilliseconds = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Int.self, forKey: .timeoutMilliseconds)
    }
}
