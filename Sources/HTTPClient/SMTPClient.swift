import CCurl
import Foundation
import NewsModel
import Synchronization

/// Where and how mail is sent: an SMTP server, its sender, credentials and transport security.
public struct SMTPSettings: Sendable {
    /// `smtp://host:587` (STARTTLS, required unless `allowPlaintext`) or `smtps://host:465` (TLS from
    /// the first byte).
    public var url: String
    /// The envelope and `From:` address.
    public var from: String
    /// The user name and password for AUTH (PLAIN or LOGIN, as the server offers), read from a file.
    public var username: String?
    public var password: String?
    /// Whether a `smtp://` server may be used without STARTTLS (a local server, tests).
    public var allowPlaintext: Bool
    /// A CA bundle to trust instead of the system's (a private or test server's certificate).
    public var caFile: String?
    /// The longest connecting may take.
    public var connectTimeout: Duration
    /// The longest one whole message may take.
    public var timeout: Duration

    /// Creates settings.
    public init(
        url: String, from: String, username: String? = nil, password: String? = nil, allowPlaintext: Bool = false, caFile: String? = nil,
        connectTimeout: Duration = .seconds(10), timeout: Duration = .seconds(30)
    ) {
        self.url = url
        self.from = from
        self.username = username
        self.password = password
        self.allowPlaintext = allowPlaintext
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }
}

/// Why a message was not sent: `permanent` when the server refused it for good (a 5xx reply).
public struct SMTPError: Error, Sendable, CustomStringConvertible {
    /// What happened.
    public let message: String
    /// A 5xx refusal: sending again will not help.
    public let permanent: Bool
    public var description: String { message }
}

/// Sends mail with libcurl's SMTP, each message on a dedicated thread.
public enum SMTPClient {
    /// Sends `message` (a whole RFC 5322 message, CRLF line ends) to `recipient`.
    public static func send(_ message: Data, to recipient: String, settings: SMTPSettings) async throws(SMTPError) {
        let transfer = MailTransfer(message: message, recipient: recipient, settings: settings)
        try await DedicatedThread.run(name: "smtp") { () -> Result<Void, SMTPError> in transfer.perform() }.get()
    }

    private final class MailTransfer: @unchecked Sendable {
        let message: Data
        let recipient: String
        let settings: SMTPSettings
        var offset = 0

        init(message: Data, recipient: String, settings: SMTPSettings) {
            self.message = message
            self.recipient = recipient
            self.settings = settings
        }

        func perform() -> Result<Void, SMTPError> {
            guard Curl.isSetUp, let handle = curl_easy_init() else {
                return .failure(SMTPError(message: "libcurl could not start", permanent: false))
            }
            defer { curl_easy_cleanup(handle) }
            let recipients: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "<\(recipient)>")
            defer { curl_slist_free_all(recipients) }
            var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
            let context = Unmanaged.passUnretained(self).toOpaque()
            let outcome: Result<CURLcode, SMTPError> = errorBuffer.withUnsafeMutableBufferPointer { errors in
                do throws(SMTPError) {
                    try set("CURLOPT_URL", ccurl_set_string(handle, CURLOPT_URL, settings.url))
                    try set("CURLOPT_PROTOCOLS_STR", ccurl_set_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps"))
                    // STARTTLS is required on smtp:// unless plaintext is allowed; smtps:// is TLS anyway.
                    try set(
                        "CURLOPT_USE_SSL",
                        ccurl_set_long(handle, CURLOPT_USE_SSL, settings.allowPlaintext ? Int(CURLUSESSL_TRY.rawValue) : Int(CURLUSESSL_ALL.rawValue)))
                    if let caFile = settings.caFile { try set("CURLOPT_CAINFO", ccurl_set_string(handle, CURLOPT_CAINFO, caFile)) }
                    try set("CURLOPT_MAIL_FROM", ccurl_set_string(handle, CURLOPT_MAIL_FROM, "<\(settings.from)>"))
                    try set("CURLOPT_MAIL_RCPT", ccurl_set_pointer(handle, CURLOPT_MAIL_RCPT, recipients))
                    if let username = settings.username {
                        try set("CURLOPT_USERNAME", ccurl_set_string(handle, CURLOPT_USERNAME, username))
                        try set("CURLOPT_PASSWORD", ccurl_set_string(handle, CURLOPT_PASSWORD, settings.password ?? ""))
                    }
                    try set("CURLOPT_NOSIGNAL", ccurl_set_long(handle, CURLOPT_NOSIGNAL, 1))
                    try set("CURLOPT_CONNECTTIMEOUT_MS", ccurl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Curl.milliseconds(settings.connectTimeout)))
                    try set("CURLOPT_TIMEOUT_MS", ccurl_set_long(handle, CURLOPT_TIMEOUT_MS, Curl.milliseconds(settings.timeout)))
                    try set("CURLOPT_UPLOAD", ccurl_set_long(handle, CURLOPT_UPLOAD, 1))
                    try set("CURLOPT_INFILESIZE_LARGE", ccurl_set_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.count)))
                    try set("CURLOPT_ERRORBUFFER", ccurl_set_pointer(handle, CURLOPT_ERRORBUFFER, errors.baseAddress))
                    try set(
                        "CURLOPT_READFUNCTION",
                        ccurl_set_data_callback(handle, CURLOPT_READFUNCTION, { buffer, size, count, context in
                            let transfer = Unmanaged<MailTransfer>.fromOpaque(context!).takeUnretainedValue()
                            let room = size * count
                            let left = transfer.message.count - transfer.offset
                            let length = min(room, left)
                            guard length > 0, let buffer else { return 0 }
                            transfer.message.withUnsafeBytes { bytes in
                                UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + transfer.offset, byteCount: length)
                            }
                            transfer.offset += length
                            return length
                        }))
                    try set("CURLOPT_READDATA", ccurl_set_pointer(handle, CURLOPT_READDATA, context))
                    return .success(curl_easy_perform(handle))
                } catch {
                    return .failure(error)
                }
            }
            let code: CURLcode
            switch outcome {
            case .success(let performed): code = performed
            case .failure(let error): return .failure(error)
            }
            guard code != CURLE_OK else { return .success(()) }
            var reply = 0
            _ = ccurl_get_long(handle, CURLINFO_RESPONSE_CODE, &reply)
            let text = Curl.message(errorBuffer, code)
            let server = settings.url
            switch code {
            case CURLE_OPERATION_TIMEDOUT:
                return .failure(SMTPError(message: "\(server) took longer than allowed: \(text)", permanent: false))
            case CURLE_USE_SSL_FAILED:
                return .failure(SMTPError(message: "\(server) offers no STARTTLS, which is required (--smtp-allow-plaintext for a local server)", permanent: false))
            case CURLE_LOGIN_DENIED:
                return .failure(SMTPError(message: "\(server) refused the credentials: \(text)", permanent: false))
            default:
                // A 5xx reply to the recipient or the message is for good; the rest may pass later.
                return .failure(SMTPError(message: "\(server) answered \(reply > 0 ? "\(reply)" : "nothing"): \(text)", permanent: (500..<600).contains(reply)))
            }
        }

        private func set(_ option: String, _ code: CURLcode) throws(SMTPError) {
            if let refusal = Curl.refusal(option, code, for: settings.url) { throw SMTPError(message: refusal, permanent: false) }
        }
    }
}
