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
        var bytes = [UInt8](repeating: 0, count: weights.count * 2)
        for (index, weight) in weights.enumerated() {
            let bits = Float16(weight).bitPattern
            bytes[2 * index] = UInt8(truncatingIfNeeded: bits)
            bytes[2 * index + 1] = UInt8(truncatingIfNeeded: bits >> 8)
        }
        try ModelFile.encode(magic: Self.magic, header: header, payload: Data(bytes)).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads a model from `path`.
    /// - Throws: ``TagDataError`` when the file is missing or not an entity model this version reads.
    public static func read(from path: String) throws(TagDataError) -> EntitySequenceModel {
        let (header, payload) = try ModelFile.decode(
            Header.self, path: path, magic: magic, kind: "entity model", maker: "tag train-entities")
        guard header.format == 1, (10...24).contains(header.bits) else {
            throw TagDataError(file: path, message: "entity model format \(header.format) with \(header.bits) bits is not supported")
        }
        let count = (1 << header.bits) * labelCount
        guard payload.count == count * 2 else { throw TagDataError(file: path, message: "the entity model's weights are truncated") }
        var weights = [Float](repeating: 0, count: count)
        payload.withUnsafeBytes { raw in
            weights.withUnsafeMutableBufferPointer { weights in
                for index in 0..<count {
                    weights[index] = Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self))))
                }
            }
        }
        return EntitySequenceModel(header: header, weights: weights)
    }
}
