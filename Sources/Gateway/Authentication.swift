import Foundation
import Hummingbird
import NewsModel

/// Who is calling: the token a request carried, checked by notify on every request (so a revoked
/// token is refused at once, on every gateway replica).
public struct Caller: Sendable {
    /// The token's record.
    public var token: APIToken

    /// The owner to scope listings to: nil for an admin, who sees every owner's.
    public var ownerFilter: String? { token.scopes.contains(.admin) ? nil : token.owner }
}

/// Reads and checks the bearer token of a request: `Authorization: Bearer <token>`, or for the web
/// console, the `news_token` cookie its sign-in set.
struct Authenticator: Sendable {
    /// The console's cookie.
    static let cookieName = "news_token"

    let stages: StageCalls

    /// The caller, when the request carries a valid token that allows `scope`.
    /// - Throws: ``APIProblem`` 401 without a valid token, 403 when the token lacks the scope.
    func caller(_ request: Request, needs scope: TokenScope) async throws(APIProblem) -> Caller {
        guard let bearer = Self.bearer(request) else { throw APIProblem.unauthorized }
        let token: APIToken
        do {
            token = try await stages.call("notify", .verifyToken(TokenVerifyRequest(token: bearer)), as: APIToken.self)
        } catch where error.status == .unauthorized || error.status == .badRequest {
            throw APIProblem.unauthorized
        }
        guard token.allows(scope) else {
            throw APIProblem(.forbidden, "forbidden", "this token's scopes (\(token.scopes.map(\.rawValue).joined(separator: ", "))) do not include \(scope.rawValue)")
        }
        return Caller(token: token)
    }

    /// The token a request carries, if any.
    static func bearer(_ request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
            return nil
        }
        return request.cookies[cookieName]?.value
    }
}
