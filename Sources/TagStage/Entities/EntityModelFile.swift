import Foundation
import NewsModel

/// Reads and writes entity model files: the bytes `NEWSNER1`, a little-endian UInt32 length and that
/// many bytes of JSON (``EntitySequenceModel/Header``), then every weight as a little-endian Float16
/// (the model's decisions do not move measurably at half precision, and the file is half the size).
extension EntitySequenceModel {
    static let magic = Data("NEWSNER1".utf8)

    /// The model shipped with the project (`Resources/entities.model`, trained by `make model`).
    public static func bundled() throws(TagDataError) -> EntitySequenceModel {
        guard let url = Bundle.module.url(forResource: "entities", withExtension: "model") else {
            throw TagDataError(file: "entities.model", message: "the bundled entity model is missing from the build")
        }
        return try read(from: url.path)
    }

    /// Writes the model to `path`.
    public func write(to path: String) throws {
        var data = Self.magic
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let header = try encoder.encode(header)
        withUnsafeBytes(of: UInt32(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(header)
        var bytes = [UInt8](repeating: 0, count: weights.count * 2)
        for (index, weight) in weights.enumerated() {
            let bits = Float16(weight).bitPattern
            bytes[2 * index] = UInt8(truncatingIfNeeded: bits)
            bytes[2 * index + 1] = UInt8(truncatingIfNeeded: bits >> 8)
        }
        data.append(contentsOf: bytes)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads a model from `path`.
    /// - Throws: ``TagDataError`` when the file is missing or not an entity model this version reads.
    public static func read(from path: String) throws(TagDataError) -> EntitySequenceModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TagDataError(file: path, message: "cannot read the entity model file")
        }
        guard data.count >= 12, data.prefix(8) == magic else {
            throw TagDataError(file: path, message: "not an entity model (made by `tag train-entities`)")
        }
        let length = data.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self))) }
        guard data.count >= 12 + length else { throw TagDataError(file: path, message: "the entity model is truncated") }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let header: Header
        do {
            header = try decoder.decode(Header.self, from: data.subdata(in: (data.startIndex + 12)..<(data.startIndex + 12 + length)))
        } catch {
            throw TagDataError(file: path, message: "not a readable entity model: \(error)")
        }
        guard header.format == 1, (10...24).contains(header.bits) else {
            throw TagDataError(file: path, message: "entity model format \(header.format) with \(header.bits) bits is not supported")
        }
        let count = (1 << header.bits) * labelCount
        guard data.count == 12 + length + count * 2 else { throw TagDataError(file: path, message: "the entity model's weights are truncated") }
        var weights = [Float](repeating: 0, count: count)
        data.withUnsafeBytes { raw in
            weights.withUnsafeMutableBufferPointer { weights in
                for index in 0..<count {
                    let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 12 + length + 2 * index, as: UInt16.self))
                    weights[index] = Float(Float16(bitPattern: bits))
                }
            }
        }
        return EntitySequenceModel(header: header, weights: weights)
    }
}
