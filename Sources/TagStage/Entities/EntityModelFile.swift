import Foundation
import NewsModel

/// Reads and writes entity model files: the bytes `NEWSNER1`, a little-endian UInt32 length and that
/// many bytes of JSON (``EntitySequenceModel/Header``), then the weights at half precision (the
/// model's decisions do not move measurably at Float16).
///
/// Format 2 (written) keeps only what is not zero, which is most of a hashed model (four buckets in
/// five weigh nothing for any label): one bit per bucket saying whether it has a weight, then per such
/// bucket a byte whose bits say which labels, then those weights as little-endian Float16. Format 1
/// (still read) has every weight as a little-endian Float16.
extension EntitySequenceModel {
    static let magic = Data("NEWSNER1".utf8)

    /// The model shipped with the project (`Resources/entities.model`, trained by `make model`).
    public static func bundled() throws(TagDataError) -> EntitySequenceModel {
        guard let url = Bundle.module.url(forResource: "entities", withExtension: "model") else {
            throw TagDataError(file: "entities.model", message: "the bundled entity model is missing from the build")
        }
        return try read(from: url.path)
    }

    /// Writes the model to `path` (format 2).
    public func write(to path: String) throws {
        let buckets = weights.count / Self.labelCount
        var bitmap = [UInt8](repeating: 0, count: (buckets + 7) / 8)
        var masks: [UInt8] = []
        var values: [UInt8] = []
        for bucket in 0..<buckets {
            var mask: UInt8 = 0
            for label in 0..<Self.labelCount {
                let bits = Float16(weights[bucket * Self.labelCount + label]).bitPattern
                guard bits & 0x7FFF != 0 else { continue }  // ±0
                mask |= 1 << UInt8(label)
                values.append(UInt8(truncatingIfNeeded: bits))
                values.append(UInt8(truncatingIfNeeded: bits >> 8))
            }
            guard mask != 0 else { continue }
            bitmap[bucket / 8] |= 1 << UInt8(bucket % 8)
            masks.append(mask)
        }
        var header = header
        header.format = 2
        try ModelFile.encode(magic: Self.magic, header: header, payload: Data(bitmap + masks + values))
            .write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads a model from `path` (format 1 or 2).
    /// - Throws: ``TagDataError`` when the file is missing or not an entity model this version reads.
    public static func read(from path: String) throws(TagDataError) -> EntitySequenceModel {
        let (header, payload) = try ModelFile.decode(
            Header.self, path: path, magic: magic, kind: "entity model", maker: "tag train-entities")
        guard (1...2).contains(header.format), (10...24).contains(header.bits) else {
            throw TagDataError(file: path, message: "entity model format \(header.format) with \(header.bits) bits is not supported")
        }
        let buckets = 1 << header.bits
        let count = buckets * labelCount
        var weights = [Float](repeating: 0, count: count)
        let truncated = TagDataError(file: path, message: "the entity model's weights are truncated or malformed")
        let complete: Bool = payload.withUnsafeBytes { raw in
            weights.withUnsafeMutableBufferPointer { weights in
                func half(at offset: Int) -> Float {
                    Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))))
                }
                if header.format == 1 {
                    guard raw.count == count * 2 else { return false }
                    for index in 0..<count { weights[index] = half(at: 2 * index) }
                    return true
                }
                let bitmapBytes = (buckets + 7) / 8
                guard raw.count >= bitmapBytes else { return false }
                var maskOffset = bitmapBytes
                var rows = 0
                for byte in 0..<bitmapBytes { rows += raw[byte].nonzeroBitCount }
                var valueOffset = bitmapBytes + rows
                guard raw.count >= valueOffset else { return false }
                for bucket in 0..<buckets where raw[bucket / 8] & (1 << UInt8(bucket % 8)) != 0 {
                    let mask = raw[maskOffset]
                    maskOffset += 1
                    guard raw.count >= valueOffset + 2 * mask.nonzeroBitCount else { return false }
                    for label in 0..<labelCount where mask & (1 << UInt8(label)) != 0 {
                        weights[bucket * labelCount + label] = half(at: valueOffset)
                        valueOffset += 2
                    }
                }
                return valueOffset == raw.count
            }
        }
        guard complete else { throw truncated }
        return EntitySequenceModel(header: header, weights: weights)
    }
}
