import Foundation
import HTTPTypes
import Hummingbird
import NewsModel
import NewsTransport

/// An error the gateway answers with, as RFC 9457 `application/problem+json`: a status, a title, one
/// sentence of detail, and for a refused query the column where it went wrong.
public struct APIProblem: Error, HTTPResponseError, Sendable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A short, fixed title for the kind of problem, such as `bad_query`.
    public var title: String
    /// One sentence for the user.
    public var detail: String
    /// The 1-based column of a refused query.
    public var column: Int?

    /// Creates a problem.
    public init(_ status: HTTPResponse.Status, _ title: String, _ detail: String, column: Int? = nil) {
        self.status = status
        self.title = title
        self.detail = detail
        self.column = column
    }

    struct Body: Encodable {
        var type = "about:blank"
        var title: String
        var status: Int
        var detail: String
        var column: Int?
    }

    /// The problem as a response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONEncoder().encode(Body(title: title, status: Int(status.code), detail: detail, column: column))
        return Response(
            status: status, headers: [.contentType: "application/problem+json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// 401: no token, or one that is unknown, wrong or revoked.
    static let unauthorized = APIProblem(
        .unauthorized, "unauthorized", "send an API token as 'Authorization: Bearer <token>' (newsctl tokens create makes one)")

    /// A query parsed here, as the stages will parse it, so that a mistake is refused with its column.
    static func parsed(_ text: String) throws(APIProblem) -> Query {
        do {
            return try Query(text)
        } catch {
            throw APIProblem(.badRequest, "bad_query", "bad query: \(error)", column: error.column)
        }
    }

    /// The problem a failed control call stands for.
    static func from(_ error: ControlClientError) -> APIProblem {
        switch error {
        case .unreachable(let stage, let transport):
            return APIProblem(.serviceUnavailable, "unavailable", "\(stage) is not answering: \(transport.message)")
        case .badReply(let stage, let detail):
            return APIProblem(.badGateway, "bad_reply", "\(stage) sent a reply the gateway cannot read: \(detail)")
        case .failed(let failure):
            let status: HTTPResponse.Status =
                switch failure.code {
                case .badRequest, .badQuery: .badRequest
                case .notFound: .notFound
                case .unauthorized: .unauthorized
                case .busy, .unavailable: .serviceUnavailable
                case .overBudget: .gatewayTimeout
                default: .internalServerError
                }
            return APIProblem(status, failure.code.rawValue, failure.message)
        }
    }
}
