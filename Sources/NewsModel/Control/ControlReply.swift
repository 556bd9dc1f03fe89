import Foundation

/// The reply to a control request: `{"v":1,"ok":true,"result":…}` or
/// `{"v":1,"ok":false,"error":{"code":…,"message":…}}`.
public enum ControlReply {
    struct Success<Result: Encodable>: Encodable {
        let v = Envelope.currentVersion
        let ok = true
        let result: Result
    }

    struct Failure: Encodable {
        let v = Envelope.currentVersion
        let ok = false
        let error: ControlFailure
    }

    struct Decoded<Result: Decodable>: Decodable {
        let ok: Bool
        let result: Result?
        let error: ControlFailure?
    }

    /// Encodes a successful reply.
    public static func success(_ result: some Encodable) -> Data {
        (try? JSONCoding.encoder().encode(Success(result: result)))
            ?? failure(ControlFailure(code: .internalError, message: "the reply could not be encoded"))
    }

    /// Encodes a failed reply.
    public static func failure(_ failure: ControlFailure) -> Data {
        (try? JSONCoding.encoder().encode(Failure(error: failure))) ?? Data()
    }

    /// Decodes a reply whose result is a `Result`.
    public static func decode<Result: Decodable>(_ data: Data, as type: Result.Type) throws -> Swift.Result<Result, ControlFailure> {
        let reply = try JSONCoding.decoder().decode(Decoded<Result>.self, from: data)
        if reply.ok, let result = reply.result { return .success(result) }
        return .failure(reply.error ?? ControlFailure(code: .internalError, message: "the stage sent an empty reply"))
    }
}

/// Why a control call from a client failed.
public enum ControlClientError: Error, Sendable, CustomStringConvertible {
    /// The stage could not be reached or did not answer in time.
    case unreachable(stage: String, TransportError)
    /// The stage answered with an error.
    case failed(ControlFailure)
    /// The stage's reply could not be read.
    case badReply(stage: String, String)

    public var description: String {
        switch self {
        case .unreachable(let stage, let error):
            "\(stage) is not answering: \(error.message). Is the pipeline running? (make run)"
        case .failed(let failure):
            failure.message
        case .badReply(let stage, let detail):
            "\(stage) sent a reply this newsctl cannot read: \(detail)"
        }
    }
}

/// Calls one stage's control endpoint.
public struct ControlClient: Sendable {
    /// The stage's name, for messages.
    public let stage: String
    let client: RequestClient

    /// Creates a client for the stage at `endpoint`.
    public init(stage: String, client: RequestClient) {
        self.stage = stage
        self.client = client
    }

    /// Sends `request` and decodes the result as `type`.
    public func call<Result: Decodable>(_ request: ControlRequest, as type: Result.Type) async throws(ControlClientError) -> Result {
        let body: Data
        do {
            body = try JSONCoding.encoder().encode(TimedControlRequest(request: request, timeoutMilliseconds: client.timeoutMilliseconds))
        } catch {
            throw .badReply(stage: stage, "the request could not be encoded: \(error)")
        }
        let replyData: Data
        do {
            replyData = try await client.request(body)
        } catch {
            throw .unreachable(stage: stage, error)
        }
        let decoded: Swift.Result<Result, ControlFailure>
        do {
            decoded = try ControlReply.decode(replyData, as: type)
        } catch let error as DecodingError {
            throw .badReply(stage: stage, DecodingErrorText.describe(error))
        } catch {
            throw .badReply(stage: stage, "\(error)")
        }
        switch decoded {
        case .success(let result): return result
        case .failure(let failure): throw .failed(failure)
        }
    }
}

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
struct ReceivedControlRequest: Decodable {
    var request: ControlRequest
    var timeoutMilliseconds: Int?

    enum CodingKeys: String, CodingKey { case timeoutMilliseconds = "timeoutMs" }

    init(from decoder: any Decoder) throws {
        request = try ControlRequest(from: decoder)
        timeoutMilliseconds = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Int.self, forKey: .timeoutMilliseconds)
    }
}
