import Foundation

/// The reply to a control request: `{"v":1,"ok":true,"result":…}` or
/// `{"v":1,"ok":false,"error":{"code":…,"message":…}}`.
public enum ControlReply {
    struct Success<Result: Encodable>: Encodable {
        let v = Envelope.currentVersion
        let ok = true
        let result: Result
    }

    struct Failure: Encodable {
        let v = Envelope.currentVersion
        let ok = false
        let error: ControlFailure
    }

    struct Decoded<Result: Decodable>: Decodable {
        let ok: Bool
        let result: Result?
        let error: ControlFailure?
    }

    /// Encodes a successful reply.
    public static func success(_ result: some Encodable) -> Data {
        (try? JSONCoding.encoder().encode(Success(result: result)))
            ?? failure(ControlFailure(code: .internalError, message: "the reply could not be encoded"))
    }

    /// Encodes a failed reply.
    public static func failure(_ failure: ControlFailure) -> Data {
        (try? JSONCoding.encoder().encode(Failure(error: failure))) ?? Data()
    }

    /// Decodes a reply whose result is a `Result`.
    public static func decode<Result: Decodable>(_ data: Data, as type: Result.Type) throws -> Swift.Result<Result, ControlFailure> {
        let reply = try JSONCoding.decoder().decode(Decoded<Result>.self, from: data)
        if reply.ok, let result = reply.result { return .success(result) }
        return .failure(reply.error ?? ControlFailure(code: .internalError, message: "the stage sent an empty reply"))
    }
}
