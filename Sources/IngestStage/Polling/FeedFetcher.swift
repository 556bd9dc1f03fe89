import Foundation
import HTTPClient
import NewsModel

/// The validators of a fetched feed, sent back on the next poll so that an unchanged feed costs a
/// `304 Not Modified` and no parsing.
public struct FeedValidators: Sendable, Hashable {
    /// The `ETag` response header.
    public var etag: String?
    /// The `Last-Modified` response header.
    public var lastModified: String?
    /// Creates validators.
    public init(etag: String? = nil, lastModified: String? = nil) {
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// What one fetch of a feed URL gave.
public enum FeedFetchOutcome: Sendable {
    /// The server said the feed has not changed since the validators sent.
    case notModified
    /// The feed's bytes, with the validators to send next time.
    case fetched(Data, FeedValidators)
}

/// Why a fetch failed, with one sentence for the user.
public struct FeedFetchError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable {
        /// Not an http or https URL.
        case badURL
        /// The server answered with a status other than 200 or 304.
        case httpStatus
        /// The body was larger than the limit.
        case tooLarge
        /// The whole fetch took longer than the limit.
        case timeout
        /// Name resolution, connection, TLS or transfer failed.
        case transport
        /// The URL, or a redirect, leads to an address the guard refuses (loopback, private, link-local…).
        case refused
    }

    /// The kind of failure.
    public let kind: Kind
    /// What happened.
    public let message: String
    /// How long the server asked us to wait (`Retry-After`), if it did.
    public let retryAfter: Duration?

    public var description: String { message }
}

/// Fetches feed URLs over HTTP(S) with libcurl: conditional GET, a time limit for the whole fetch, a
/// size limit on the (decompressed) body, http and https only (redirects too, at most 5 of them).
/// Each fetch runs on a dedicated thread, never on the cooperative pool, and stops early when its task
/// is cancelled.
public struct FeedFetcher: Sendable {
    /// The longest a fetch may take, connection to last byte.
    public var timeout: Duration
    /// The largest body accepted.
    public var maxBytes: Int
    /// The `User-Agent` sent.
    public var userAgent: String
    /// Checks the URL and every redirect before it is fetched; nil fetches anything (`ingest parse URL`,
    /// which an operator runs by hand).
    public var addressGuard: AddressGuard?
    /// The most redirects followed.
    public static let maxRedirects = 5

    /// Creates a fetcher.
    public init(
        timeout: Duration = .seconds(30), maxBytes: Int = 16 << 20, userAgent: String = "news-pipeline-ingest/1",
        addressGuard: AddressGuard? = nil
    ) {
        self.timeout = timeout
        self.maxBytes = maxBytes
        self.userAgent = userAgent
        self.addressGuard = addressGuard
    }

    /// The URL's feed, or `.notModified` when `validators` still hold.
    public func fetch(_ text: String, validators: FeedValidators = FeedValidators()) async throws(FeedFetchError) -> FeedFetchOutcome {
        var headers = [
            "Accept: application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
        ]
        if let etag = validators.etag { headers.append("If-None-Match: \(etag)") }
        if let lastModified = validators.lastModified { headers.append("If-Modified-Since: \(lastModified)") }
        // Redirects are followed here, not by libcurl, so that each target is checked by the guard
        // and the request pinned to the address that was checked.
        var url = text
        var response: HTTPResponse
        var redirects = 0
        while true {
            var resolve: [String] = []
            if let addressGuard {
                switch await addressGuard.checkOffPool(url) {
                case .success(let target): resolve = target.resolve
                case .failure(let error):
                    throw FeedFetchError(
                        kind: error.kind == .unresolved ? .transport : .refused,
                        message: url == text ? error.message : "\(text) redirects to \(url), which is refused: \(error.message)", retryAfter: nil)
                }
            }
            do {
                response = try await HTTPClient.perform(
                    HTTPRequest(
                        url: url, headers: headers, timeout: timeout, maxBytes: maxBytes, followRedirects: false, resolve: resolve,
                        userAgent: userAgent))
            } catch {
                let kind: FeedFetchError.Kind =
                    switch error.kind {
                    case .badURL: .badURL
                    case .tooLarge: .tooLarge
                    case .timeout: .timeout
                    case .cancelled, .transport: .transport
                    }
                throw FeedFetchError(kind: kind, message: error.message, retryAfter: nil)
            }
            guard [301, 302, 303, 307, 308].contains(response.status), let location = response.headers["location"] else { break }
            redirects += 1
            guard redirects <= Self.maxRedirects,
                let next = URL(string: location, relativeTo: URL(string: url))?.absoluteURL.absoluteString
            else {
                throw FeedFetchError(kind: .transport, message: "\(text) redirects more than \(Self.maxRedirects) times", retryAfter: nil)
            }
            guard let scheme = URL(string: next)?.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
                throw FeedFetchError(kind: .badURL, message: "\(text) redirects to \(next), which is not http or https", retryAfter: nil)
            }
            url = next
        }
        switch response.status {
        case 304:
            return .notModified
        case 200:
            return .fetched(response.body, FeedValidators(etag: response.headers["etag"], lastModified: response.headers["last-modified"]))
        default:
            let reason = HTTPClient.reasons[response.status].map { " (\($0))" } ?? ""
            throw FeedFetchError(
                kind: .httpStatus, message: "\(text) answered HTTP \(response.status)\(reason)",
                retryAfter: response.headers["retry-after"].flatMap(Self.retryAfter))
        }
    }

    /// `Retry-After` as seconds or an HTTP date.
    static func retryAfter(_ value: String) -> Duration? {
        if let seconds = Int(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 { return .seconds(seconds) }
        guard let date = FeedDate.parse(value) else { return nil }
        return .seconds(max(0, Int(date.timeIntervalSinceNow)))
    }
}
