import CCurl
import Foundation
import NewsModel
import Synchronization

/// One HTTP request as the pipeline makes them: feed polls (`ingest`) and webhook deliveries (`notify`).
public struct HTTPRequest: Sendable {
    /// The URL; only http and https are allowed, redirects included.
    public var url: String
    /// `GET` or `POST`.
    public var method: String
    /// Header lines such as `Content-Type: application/json`.
    public var headers: [String]
    /// The body of a POST.
    public var body: Data?
    /// The longest the whole exchange may take, connection to last byte.
    public var timeout: Duration
    /// The largest response body accepted (after decompression).
    public var maxBytes: Int
    /// Whether to follow redirects (at most 5).
    public var followRedirects: Bool
    /// Pins a host to addresses, in libcurl's `CURLOPT_RESOLVE` form `host:port:address`: a request goes
    /// to the address that was checked, not to whatever the name resolves to a moment later.
    public var resolve: [String]
    /// The `User-Agent` sent.
    public var userAgent: String
    /// The protocols libcurl may use, redirects included (libcurl's `CURLOPT_PROTOCOLS_STR` form). Only
    /// http and https; a libcurl that refuses the restriction fails the request rather than ignore it.
    var protocols = "http,https"

    /// Creates a request.
    public init(
        url: String, method: String = "GET", headers: [String] = [], body: Data? = nil, timeout: Duration = .seconds(30),
        maxBytes: Int = 16 << 20, followRedirects: Bool = true, resolve: [String] = [], userAgent: String = "news-pipeline/1"
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maxBytes = maxBytes
        self.followRedirects = followRedirects
        self.resolve = resolve
        self.userAgent = userAgent
    }
}

/// What the server answered.
public struct HTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// Response headers, names in lower case (of the last response, after redirects).
    public var headers: [String: String]
    /// The body.
    public var body: Data
}

/// Why a request got no answer, with one sentence for the user.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable {
        /// Not an http or https URL.
        case badURL
        /// The body was larger than the limit.
        case tooLarge
        /// The whole exchange took longer than the limit.
        case timeout
        /// The task waiting for it was cancelled.
        case cancelled
        /// Name resolution, connection, TLS or transfer failed.
        case transport
    }

    /// The kind of failure.
    public let kind: Kind
    /// What happened.
    public let message: String

    public var description: String { message }
}

/// Makes HTTP requests with libcurl, each on a dedicated thread (never on the cooperative pool),
/// stopping early when the waiting task is cancelled.
public enum HTTPClient {
    /// Reason phrases of common statuses, for messages.
    public static let reasons = [
        204: "No Content", 301: "Moved Permanently", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
        404: "Not Found", 410: "Gone", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
        503: "Service Unavailable", 504: "Gateway Timeout",
    ]

    /// Performs `request`.
    public static func perform(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        guard let url = URL(string: request.url), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host?.isEmpty == false
        else {
            throw HTTPError(kind: .badURL, message: "\(request.url) is not an http or https URL")
        }
        let transfer = Transfer(request: request)
        return try await withTaskCancellationHandler {
            await DedicatedThread.run(name: "http") { () -> Result<HTTPResponse, HTTPError> in transfer.perform() }
        } onCancel: {
            transfer.cancelled.store(true, ordering: .relaxed)
        }.get()
    }

    /// One libcurl transfer; its buffers are touched only by the thread that performs it.
    private final class Transfer: @unchecked Sendable {
        let request: HTTPRequest
        let cancelled = Atomic<Bool>(false)
        var body = Data()
        var headers: [String: String] = [:]
        var overLimit = false

        init(request: HTTPRequest) { self.request = request }

        func perform() -> Result<HTTPResponse, HTTPError> {
            guard Curl.isSetUp, let handle = curl_easy_init() else {
                return .failure(HTTPError(kind: .transport, message: "libcurl could not start"))
            }
            defer { curl_easy_cleanup(handle) }
            var requestHeaders: UnsafeMutablePointer<curl_slist>?
            for line in request.headers { requestHeaders = curl_slist_append(requestHeaders, line) }
            defer { curl_slist_free_all(requestHeaders) }
            var resolve: UnsafeMutablePointer<curl_slist>?
            for entry in request.resolve { resolve = curl_slist_append(resolve, entry) }
            defer { curl_slist_free_all(resolve) }
            var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
            let milliseconds = Curl.milliseconds(request.timeout)
            let context = Unmanaged.passUnretained(self).toOpaque()
            let payload = request.body ?? Data()

            // Every option's result is checked: an option libcurl refuses (a protocol restriction, an
            // address pin) fails the request with its name, never goes ignored.
            let outcome: Result<CURLcode, HTTPError> = errorBuffer.withUnsafeMutableBufferPointer { errors in
                payload.withUnsafeBytes { bytes in
                    do throws(HTTPError) {
                        try set("CURLOPT_URL", ccurl_set_string(handle, CURLOPT_URL, request.url))
                        try set("CURLOPT_PROTOCOLS_STR", ccurl_set_string(handle, CURLOPT_PROTOCOLS_STR, request.protocols))
                        try set("CURLOPT_REDIR_PROTOCOLS_STR", ccurl_set_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, request.protocols))
                        try set("CURLOPT_FOLLOWLOCATION", ccurl_set_long(handle, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0))
                        try set("CURLOPT_MAXREDIRS", ccurl_set_long(handle, CURLOPT_MAXREDIRS, 5))
                        try set("CURLOPT_NOSIGNAL", ccurl_set_long(handle, CURLOPT_NOSIGNAL, 1))
                        try set("CURLOPT_TIMEOUT_MS", ccurl_set_long(handle, CURLOPT_TIMEOUT_MS, milliseconds))
                        try set("CURLOPT_CONNECTTIMEOUT_MS", ccurl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(milliseconds, 10_000)))
                        try set("CURLOPT_MAXFILESIZE_LARGE", ccurl_set_offset(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(request.maxBytes)))
                        try set("CURLOPT_ACCEPT_ENCODING", ccurl_set_string(handle, CURLOPT_ACCEPT_ENCODING, ""))
                        try set("CURLOPT_USERAGENT", ccurl_set_string(handle, CURLOPT_USERAGENT, request.userAgent))
                        try set("CURLOPT_HTTPHEADER", ccurl_set_pointer(handle, CURLOPT_HTTPHEADER, requestHeaders))
                        if resolve != nil { try set("CURLOPT_RESOLVE", ccurl_set_pointer(handle, CURLOPT_RESOLVE, resolve)) }
                        if request.method == "POST" {
                            try set("CURLOPT_POST", ccurl_set_long(handle, CURLOPT_POST, 1))
                            try set("CURLOPT_POSTFIELDSIZE_LARGE", ccurl_set_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)))
                            try set(
                                "CURLOPT_POSTFIELDS", ccurl_set_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress)))
                        }
                        try set("CURLOPT_ERRORBUFFER", ccurl_set_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress))
                        try set(
                            "CURLOPT_WRITEFUNCTION",
                            ccurl_set_data_callback(handle, CURLOPT_WRITEFUNCTION, { data, size, count, context in
                                let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
                                let length = size * count
                                guard transfer.body.count + length <= transfer.request.maxBytes else {
                                    transfer.overLimit = true
                                    return 0  // anything but `length` stops the transfer
                                }
                                if let data { transfer.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length) }
                                return length
                            }))
                        try set("CURLOPT_WRITEDATA", ccurl_set_pointer(handle, CURLOPT_WRITEDATA, context))
                        try set(
                            "CURLOPT_HEADERFUNCTION",
                            ccurl_set_data_callback(handle, CURLOPT_HEADERFUNCTION, { data, size, count, context in
                                let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
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
                            }))
                        try set("CURLOPT_HEADERDATA", ccurl_set_pointer(handle, CURLOPT_HEADERDATA, context))
                        try set("CURLOPT_NOPROGRESS", ccurl_set_long(handle, CURLOPT_NOPROGRESS, 0))
                        try set(
                            "CURLOPT_XFERINFOFUNCTION",
                            ccurl_set_progress_callback(handle, { context, _, _, _, _ in
                                Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue().cancelled.load(ordering: .relaxed) ? 1 : 0
                            }))
                        try set("CURLOPT_XFERINFODATA", ccurl_set_pointer(handle, CURLOPT_XFERINFODATA, context))
                        return .success(curl_easy_perform(handle))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            let code: CURLcode
            switch outcome {
            case .success(let performed): code = performed
            case .failure(let error): return .failure(error)
            }

            let url = request.url
            switch code {
            case CURLE_OK:
                var status = 0
                let read = ccurl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
                guard read == CURLE_OK else {
                    return .failure(HTTPError(kind: .transport, message: "\(url): libcurl gave no status code (\(String(cString: curl_easy_strerror(read))))"))
                }
                return .success(HTTPResponse(status: status, headers: headers, body: body))
            case CURLE_OPERATION_TIMEDOUT:
                return .failure(HTTPError(kind: .timeout, message: "\(url) took longer than \(String(format: "%g", Double(milliseconds) / 1000)) s"))
            case CURLE_FILESIZE_EXCEEDED:
                return .failure(tooLarge())
            case CURLE_WRITE_ERROR where overLimit:
                return .failure(tooLarge())
            case CURLE_ABORTED_BY_CALLBACK:
                return .failure(HTTPError(kind: .cancelled, message: "the request to \(url) was cancelled"))
            default:
                return .failure(HTTPError(kind: .transport, message: "\(url): \(Curl.message(errorBuffer, code))"))
            }
        }

        /// Fails with the option's name when libcurl refuses it.
        private func set(_ option: String, _ code: CURLcode) throws(HTTPError) {
            if let refusal = Curl.refusal(option, code, for: request.url) { throw HTTPError(kind: .transport, message: refusal) }
        }

        private func tooLarge() -> HTTPError {
            HTTPError(kind: .tooLarge, message: "\(request.url) is larger than the \(request.maxBytes) bytes accepted")
        }
    }
}
