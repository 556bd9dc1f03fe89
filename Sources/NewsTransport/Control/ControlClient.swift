import Foundation
import NewsModel

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
