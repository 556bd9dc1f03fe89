import Foundation

/// What an API token may do. `admin` may do everything; the others are separate.
public enum TokenScope: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    /// Search, status, its owner's subscriptions and alerts, the live streams.
    case read
    /// Submit stories.
    case publish
    /// Create and remove its owner's subscriptions, and replay their dead letters.
    case subscribe
    /// Everything, every owner's subscriptions, feeds and tokens.
    case admin

    public static func < (lhs: TokenScope, rhs: TokenScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// An API token as stored and listed: never the secret, which only its creator sees, once.
public struct APIToken: Codable, Sendable, Hashable {
    /// The token's public id (`tok_` and 12 hex digits); the first part of the token itself.
    public var id: String
    /// Who owns what the token creates; the token's id when it was made without an owner.
    public var owner: String
    /// What it may do.
    public var scopes: [TokenScope]
    /// When it was made.
    public var createdAt: Date
    /// When it was revoked, if it was.
    public var revokedAt: Date?

    /// Creates a token record.
    public init(id: String, owner: String, scopes: [TokenScope], createdAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.owner = owner
        self.scopes = scopes
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Whether the token may act with `scope` (an admin token may act with any).
    public func allows(_ scope: TokenScope) -> Bool {
        revokedAt == nil && (scopes.contains(scope) || scopes.contains(.admin))
    }
}

/// A new token for `notify` to make and store.
public struct TokenCreateRequest: Codable, Sendable, Hashable {
    /// What it may do; at least one.
    public var scopes: [TokenScope]
    /// Its owner; when nil, the token is its own owner.
    public var owner: String?

    /// Creates a request.
    public init(scopes: [TokenScope], owner: String? = nil) {
        self.scopes = scopes
        self.owner = owner
    }
}

/// A token just made: the secret, shown this once, and its record.
public struct TokenCreateResult: Codable, Sendable, Hashable {
    /// The bearer token (`tok_…_…`): the only time it is seen; notify keeps only its hash.
    public var token: String
    /// Its record.
    public var info: APIToken

    /// Creates a result.
    public init(token: String, info: APIToken) {
        self.token = token
        self.info = info
    }
}

/// A bearer token to check.
public struct TokenVerifyRequest: Codable, Sendable, Hashable {
    /// The token as the client sent it.
    public var token: String

    /// Creates a request.
    public init(token: String) {
        self.token = token
    }
}

/// Who is asking, for the methods that keep owners apart: `nil` is a trusted local client (newsctl
/// through the run directory) or an admin token, which see every owner's.
public struct OwnerScope: Codable, Sendable, Hashable {
    /// The owner, or nil for all.
    public var owner: String?

    /// Creates a scope.
    public init(owner: String? = nil) {
        self.owner = owner
    }
}
