import Foundation
@testable import HTTPClient
import Testing

/// The libcurl client's own checks, before anything goes on the network.
@Suite("HTTP client")
struct HTTPClientTests {
    @Test("an option libcurl refuses fails the request with the option's name; nothing is sent")
    func refusedOption() async throws {
        var request = HTTPRequest(url: "http://127.0.0.1:9/never", timeout: .seconds(5))
        request.protocols = "http,no-such-protocol"
        await #expect {
            try await HTTPClient.perform(request)
        } throws: { error in
            guard let error = error as? HTTPError else { return false }
            return error.kind == .transport && error.message.contains("libcurl refused CURLOPT_PROTOCOLS_STR")
        }
    }
}
