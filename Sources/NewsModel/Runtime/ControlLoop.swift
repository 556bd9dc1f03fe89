import Foundation
import Logging

/// Serves a stage's control endpoint: decodes each request, runs the stage's handler and replies.
public enum ControlLoop {
    /// Answers requests from `server` until it is closed.
    /// - Parameter handler: answers one request or throws a ``ControlFailure``; any other error is
    ///   reported to the client as an internal error.
    public static func serve(
        _ server: ReplyServer, logger: Logger,
        handler: @Sendable (ControlRequest) async throws -> any Encodable & Sendable
    ) async {
        for await request in server.requests {
            let reply: Data
            do {
                let decoded = try JSONCoding.decoder().decode(ControlRequest.self, from: request.body)
                try decoded.validate()
                reply = ControlReply.success(try await handler(decoded))
            } catch let failure as ControlFailure {
                reply = ControlReply.failure(failure)
            } catch let error as DecodingError {
                reply = ControlReply.failure(
                    ControlFailure(code: .badRequest, message: "bad request: \(DecodingErrorText.describe(error))"))
            } catch {
                logger.error("control request failed", metadata: ["error": "\(error)"])
                reply = ControlReply.failure(ControlFailure(code: .internalError, message: "\(error)"))
            }
            request.reply(reply)
        }
    }
}
