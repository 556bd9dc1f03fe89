import Crypto
import Foundation
import GRDB
import NewsModel

/// API tokens, kept in notify's store (`api_token` in `notify.sqlite`) so every gateway replica and
/// every notify replica sees the same ones. Only a SHA-256 of each secret is stored: the token itself
/// is shown once, to whoever made it.
///
/// A token reads `tok_<12 hex>_<43 base64url>`: its id (public, listed, used to revoke it) and a
/// 256-bit secret.
public struct TokenStore: Sendable {
    let pool: DatabasePool

    /// Makes a token; its owner is `request.owner`, or the token itself when none is given.
    public func create(_ request: TokenCreateRequest, now: Date = Date()) async throws -> TokenCreateResult {
        guard !request.scopes.isEmpty else { throw ControlFailure(code: .badRequest, message: "a token needs at least one scope") }
        let id = "tok_" + String(format: "%012llx", UInt64.random(in: 0...0xffff_ffff_ffff))
        var secretBytes = [UInt8](repeating: 0, count: 32)
        for index in secretBytes.indices { secretBytes[index] = UInt8.random(in: 0...255) }
        let secret = Self.base64URL(Data(secretBytes))
        let info = APIToken(id: id, owner: request.owner ?? id, scopes: Array(Set(request.scopes)).sorted(), createdAt: now)
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO api_token (id, owner, scopes, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [info.id, info.owner, info.scopes.map(\.rawValue).joined(separator: " "), Self.hash(secret), RFC3339.format(now)])
        }
        return TokenCreateResult(token: "\(id)_\(secret)", info: info)
    }

    /// Every token, newest first, revoked ones too.
    public func list() async throws -> [APIToken] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, owner, scopes, created_at, revoked_at FROM api_token ORDER BY created_at DESC, id").map(Self.token)
        }
    }

    /// Revokes a token: from now on it is refused.
    /// - Throws: ``ControlFailure`` `notFound` for an unknown id.
    public func revoke(_ id: String, now: Date = Date()) async throws -> APIToken {
        let token = try await pool.write { db -> APIToken? in
            try db.execute(
                sql: "UPDATE api_token SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", arguments: [RFC3339.format(now), id])
            return try Row.fetchOne(db, sql: "SELECT id, owner, scopes, created_at, revoked_at FROM api_token WHERE id = ?", arguments: [id])
                .map(Self.token)
        }
        guard let token else { throw ControlFailure(code: .notFound, message: "no token with id \(id); `newsctl tokens list` lists them") }
        return token
    }

    /// The record of a bearer token that is known, right and not revoked.
    /// - Throws: ``ControlFailure`` `unauthorized` otherwise (the same answer for each, so a caller
    ///   learns nothing about which ids exist).
    public func verify(_ bearer: String) async throws -> APIToken {
        let refused = ControlFailure(code: .unauthorized, message: "the token is unknown, wrong or revoked")
        let parts = bearer.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "tok" else { throw refused }
        let id = "tok_\(parts[1])"
        let given = Self.hash(String(parts[2]))
        let row = try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, owner, scopes, created_at, revoked_at, secret_hash FROM api_token WHERE id = ?", arguments: [id])
        }
        guard let row, Self.constantTimeEqual(row["secret_hash"] as String, given) else { throw refused }
        let token = Self.token(row)
        guard token.revokedAt == nil else { throw refused }
        return token
    }

    static func token(_ row: Row) -> APIToken {
        APIToken(
            id: row["id"], owner: row["owner"], scopes: (row["scopes"] as String).split(separator: " ").compactMap { TokenScope(rawValue: String($0)) },
            createdAt: RFC3339.parse(row["created_at"]) ?? Date(), revokedAt: (row["revoked_at"] as String?).flatMap(RFC3339.parse))
    }

    static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let a = Array(a.utf8), b = Array(b.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
