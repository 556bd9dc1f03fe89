import Foundation
import HTTPTypes
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
        // The console's cookie makes a browser a caller: a write it carries must come from the
        // console's own pages, never from another site's form (SameSite alone lets sibling subdomains in).
        if request.headers[.authorization] == nil, request.method != .get, request.method != .head, !Self.isSameOrigin(request) {
            throw APIProblem(.forbidden, "cross_site", "a request signed in by the console's cookie must come from the console's own pages")
        }
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

    /// Whether a browser request comes from this gateway's own pages: `Sec-Fetch-Site: same-origin`
    /// (or `none`, typed by the user), or else an `Origin` whose host is the request's `Host`.
    static func isSameOrigin(_ request: Request) -> Bool {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!] { return site == "same-origin" || site == "none" }
        guard let origin = request.headers[HTTPField.Name("Origin")!] else { return true }  // not a browser
        guard let host = URLComponents(string: origin).flatMap({ components -> String? in
            components.host.map { host in components.port.map { "\(host):\($0)" } ?? host }
        }) else { return false }
        return host == request.head.authority
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
