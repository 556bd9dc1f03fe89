import Foundation

/// The frame both model files share: eight magic bytes, a little-endian UInt32 length and that many
/// bytes of JSON header, then the model's own payload.
enum ModelFile {
    /// `magic`, the header as sorted JSON with ISO 8601 dates, and `payload`.
    static func encode(magic: Data, header: some Encodable, payload: Data) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(header)
        var data = magic
        withUnsafeBytes(of: UInt32(json.count).littleEndian) { data.append(contentsOf: $0) }
        return data + json + payload
    }

    /// The header and the payload of the file at `path`, or why it is not a file made with `magic`
    /// (`kind` names the model for the message, `maker` the command that writes it).
    static func decode<Header: Decodable>(
        _: Header.Type, path: String, magic: Data, kind: String, maker: String
    ) throws(TagDataError) -> (Header, Data) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TagDataError(file: path, message: "cannot read the \(kind) file")
        }
        guard data.count >= 12, data.prefix(magic.count) == magic else {
            throw TagDataError(file: path, message: "not a \(kind) (made by `\(maker)`)")
        }
        let length = data.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self))) }
        guard data.count >= 12 + length else { throw TagDataError(file: path, message: "the \(kind) is truncated") }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            let header = try decoder.decode(Header.self, from: data.subdata(in: (data.startIndex + 12)..<(data.startIndex + 12 + length)))
            return (header, data.subdata(in: (data.startIndex + 12 + length)..<data.endIndex))
        } catch {
            throw TagDataError(file: path, message: "not a readable \(kind): \(error)")
        }
    }
}
