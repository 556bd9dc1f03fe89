/// An error a stage answers a control request with.
public struct ControlFailure: Error, Codable, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure.
    public struct Code: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        /// Creates a code.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The request could not be read.
        public static let badRequest = Code(rawValue: "bad_request")
        /// The stage does not answer this method.
        public static let unknownMethod = Code(rawValue: "unknown_method")
        /// The query does not parse.
        public static let badQuery = Code(rawValue: "bad_query")
        /// The thing asked for does not exist.
        public static let notFound = Code(rawValue: "not_found")
        /// The bearer token is unknown, wrong or revoked.
        public static let unauthorized = Code(rawValue: "unauthorized")
        /// The stage failed.
        public static let internalError = Code(rawValue: "internal")
        /// Another stage the request needs is not answering.
        public static let unavailable = Code(rawValue: "unavailable")
        /// The stage is handling as many requests as it takes at once.
        public static let busy = Code(rawValue: "busy")
        /// The request ran past its time budget and was stopped.
        public static let overBudget = Code(rawValue: "over_budget")
        public var description: String { rawValue }

        /// Every code a stage answers with (docs/PROTOCOL.md lists the same, which a test checks).
        public static let all: [Code] = [badRequest, unknownMethod, badQuery, notFound, unauthorized, unavailable, busy, overBudget, internalError]
    }

    /// What kind of failure this is.
    public var code: Code
    /// One sentence for the user.
    public var message: String

    /// Creates a failure.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension ControlFailure {
    /// Refuses a page size outside 1...1000, the bound every listing method shares.
    public static func checkLimit(_ limit: Int) throws(ControlFailure) {
        guard (1...1000).contains(limit) else { throw ControlFailure(code: .badRequest, message: "limit must be 1 to 1000") }
    }
}
