import CCurl
import Foundation
import NewsModel
import Synchronization

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

    /// Creates a fetcher.
    public init(timeout: Duration = .seconds(30), maxBytes: Int = 16 << 20, userAgent: String = "news-pipeline-ingest/1") {
        self.timeout = timeout
        self.maxBytes = maxBytes
        self.userAgent = userAgent
    }

    /// libcurl's process-wide set-up, done once before the first transfer.
    private static let setUp: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// The URL's feed, or `.notModified` when `validators` still hold.
    public func fetch(_ text: String, validators: FeedValidators = FeedValidators()) async throws(FeedFetchError) -> FeedFetchOutcome {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host?.isEmpty == false
        else {
            throw FeedFetchError(kind: .badURL, message: "\(text) is not an http or https URL", retryAfter: nil)
        }
        let transfer = CurlTransfer(url: text, maxBytes: maxBytes)
        let response = try await withTaskCancellationHandler {
            await DedicatedThread.run(name: "fetch") { () -> Result<CurlTransfer.Response, FeedFetchError> in
                transfer.perform(userAgent: userAgent, validators: validators, timeout: timeout)
            }
        } onCancel: {
            transfer.cancelled.store(true, ordering: .relaxed)
        }.get()
        switch response.status {
        case 304:
            return .notModified
        case 200:
            return .fetched(response.body, FeedValidators(etag: response.headers["etag"], lastModified: response.headers["last-modified"]))
        default:
            let reason = Self.reasons[response.status].map { " (\($0))" } ?? ""
            throw FeedFetchError(
                kind: .httpStatus, message: "\(text) answered HTTP \(response.status)\(reason)",
                retryAfter: response.headers["retry-after"].flatMap(Self.retryAfter))
        }
    }

    /// Reason phrases of the statuses feeds commonly answer with.
    static let reasons = [
        204: "No Content", 301: "Moved Permanently", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
        404: "Not Found", 410: "Gone", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
        503: "Service Unavailable", 504: "Gateway Timeout",
    ]

    /// `Retry-After` as seconds or an HTTP date.
    static func retryAfter(_ value: String) -> Duration? {
        if let seconds = Int(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 { return .seconds(seconds) }
        guard let date = FeedDate.parse(value) else { return nil }
        return .seconds(max(0, Int(date.timeIntervalSinceNow)))
    }

    /// One libcurl transfer; its buffers are touched only by the thread that performs it.
    private final class CurlTransfer: @unchecked Sendable {
        struct Response: Sendable {
            var status: Int
            var headers: [String: String]
            var body: Data
        }

        let url: String
        let maxBytes: Int
        let cancelled = Atomic<Bool>(false)
        var body = Data()
        var headers: [String: String] = [:]
        var overLimit = false

        init(url: String, maxBytes: Int) {
            self.url = url
            self.maxBytes = maxBytes
        }

        func perform(userAgent: String, validators: FeedValidators, timeout: Duration) -> Result<Response, FeedFetchError> {
            guard FeedFetcher.setUp, let handle = curl_easy_init() else {
                return .failure(FeedFetchError(kind: .transport, message: "libcurl could not start", retryAfter: nil))
            }
            defer { curl_easy_cleanup(handle) }
            var requestHeaders: UnsafeMutablePointer<curl_slist>?
            var lines = [
                "Accept: application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
            ]
            if let etag = validators.etag { lines.append("If-None-Match: \(etag)") }
            if let lastModified = validators.lastModified { lines.append("If-Modified-Since: \(lastModified)") }
            for line in lines { requestHeaders = curl_slist_append(requestHeaders, line) }
            defer { curl_slist_free_all(requestHeaders) }
            var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
            let milliseconds = Int(timeout.components.seconds) * 1000 + Int(timeout.components.attoseconds / 1_000_000_000_000_000)
            let context = Unmanaged.passUnretained(self).toOpaque()

            let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errors in
                ccurl_set_string(handle, CURLOPT_URL, url)
                ccurl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
                ccurl_set_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
                ccurl_set_long(handle, CURLOPT_FOLLOWLOCATION, 1)
                ccurl_set_long(handle, CURLOPT_MAXREDIRS, 5)
                ccurl_set_long(handle, CURLOPT_NOSIGNAL, 1)
                ccurl_set_long(handle, CURLOPT_TIMEOUT_MS, milliseconds)
                ccurl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds, 10_000))
                ccurl_set_offset(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(maxBytes))
                ccurl_set_string(handle, CURLOPT_ACCEPT_ENCODING, "")
                ccurl_set_string(handle, CURLOPT_USERAGENT, userAgent)
                ccurl_set_pointer(handle, CURLOPT_HTTPHEADER, requestHeaders)
                ccurl_set_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress)
                ccurl_set_data_callback(handle, CURLOPT_WRITEFUNCTION, { data, size, count, context in
                    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
                    let length = size * count
                    guard transfer.body.count + length <= transfer.maxBytes else {
                        transfer.overLimit = true
                        return 0  // anything but `length` stops the transfer
                    }
                    if let data { transfer.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length) }
                    return length
                })
                ccurl_set_pointer(handle, CURLOPT_WRITEDATA, context)
                ccurl_set_data_callback(handle, CURLOPT_HEADERFUNCTION, { data, size, count, context in
                    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
                    let length = size * count
                    guard let data else { return length }
                    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
                    if line.hasPrefix("HTTP/") {
                        transfer.headers = [:]  // a new response (after a redirect or a 100 Continue)
                    } else if let colon = line.firstIndex(of: ":") {
                        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                        transfer.headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
                    }
                    return length
                })
                ccurl_set_pointer(handle, CURLOPT_HEADERDATA, context)
                ccurl_set_long(handle, CURLOPT_NOPROGRESS, 0)
                ccurl_set_progress_callback(handle, { context, _, _, _, _ in
                    Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue().cancelled.load(ordering: .relaxed) ? 1 : 0
                })
                ccurl_set_pointer(handle, CURLOPT_XFERINFODATA, context)
                return curl_easy_perform(handle)
            }

            switch code {
            case CURLE_OK:
                var status = 0
                ccurl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
                return .success(Response(status: status, headers: headers, body: body))
            case CURLE_OPERATION_TIMEDOUT:
                return .failure(FeedFetchError(kind: .timeout, message: "\(url) took longer than \(String(format: "%g", Double(milliseconds) / 1000)) s", retryAfter: nil))
            case CURLE_FILESIZE_EXCEEDED:
                return .failure(tooLarge())
            case CURLE_WRITE_ERROR where overLimit:
                return .failure(tooLarge())
            case CURLE_ABORTED_BY_CALLBACK:
                return .failure(FeedFetchError(kind: .transport, message: "fetching \(url) was cancelled", retryAfter: nil))
            default:
                let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
                return .failure(FeedFetchError(kind: .transport, message: "\(url): \(message)", retryAfter: nil))
            }
        }

        private func tooLarge() -> FeedFetchError {
            FeedFetchError(kind: .tooLarge, message: "\(url) is larger than the \(maxBytes) bytes accepted", retryAfter: nil)
        }
    }
}
