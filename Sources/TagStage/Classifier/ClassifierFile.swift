import Foundation
import NewsModel

/// Reads and writes classifier model files: the bytes `NEWSCLS1`, a little-endian UInt32 length and
/// that many bytes of JSON (``TopicClassifier/Header``), then the IDF table and each label's weights
/// as counted lists of (UInt32 bucket, Float32 value) pairs.
extension TopicClassifier {
    static let magic = Data("NEWSCLS1".utf8)

    /// The model shipped with the project (`Resources/topics.model`, trained on `seeds/labelled.jsonl`
    /// by `make model`).
    public static func bundled() throws(TagDataError) -> TopicClassifier {
        guard let url = Bundle.module.url(forResource: "topics", withExtension: "model") else {
            throw TagDataError(file: "topics.model", message: "the bundled classifier model is missing from the build")
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
        Self.append(UInt32(header.count), to: &data)
        data.append(header)
        var idf = SparseVector(indices: [], values: [])
        let unseen = log(Float(self.header.trainedOn + 1)) + 1  // the IDF of a bucket no story had
        for (bucket, value) in features.idf.enumerated() where value != unseen {
            idf.indices.append(Int32(bucket))
            idf.values.append(value)
        }
        for vector in [idf] + weights {
            Self.append(UInt32(vector.indices.count), to: &data)
            for (index, value) in zip(vector.indices, vector.values) {
                Self.append(UInt32(index), to: &data)
                Self.append(value.bitPattern, to: &data)
            }
        }
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads a model from `path`.
    /// - Throws: ``TagDataError`` when the file is missing or not a model this version reads.
    public static func read(from path: String) throws(TagDataError) -> TopicClassifier {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TagDataError(file: path, message: "cannot read the model file")
        }
        var reader = ByteReader(data: data)
        guard data.count >= 12, data.prefix(8) == magic else {
            throw TagDataError(file: path, message: "not a classifier model (made by `tag train`)")
        }
        reader.offset = 8
        do {
            let length = Int(try reader.uint32())
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let header = try decoder.decode(Header.self, from: try reader.bytes(length))
            guard header.format == 1, header.settings.bits >= 10, header.settings.bits <= 26 else {
                throw TagDataError(file: path, message: "model format \(header.format) is not supported")
            }
            func vector() throws -> SparseVector {
                let count = Int(try reader.uint32())
                guard count <= 1 << header.settings.bits else { throw TagDataError(file: path, message: "corrupt weights") }
                // The pairs are read in one pass over the raw bytes: a model holds a million of them.
                let pairs = try reader.bytes(count * 8)
                var indices = [Int32](repeating: 0, count: count)
                var values = [Float](repeating: 0, count: count)
                let limit = UInt32(1 << header.settings.bits)
                let valid = pairs.withUnsafeBytes { raw -> Bool in
                    for position in 0..<count {
                        let index = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: position * 8, as: UInt32.self))
                        guard index < limit else { return false }
                        indices[position] = Int32(index)
                        values[position] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: position * 8 + 4, as: UInt32.self)))
                    }
                    return true
                }
                guard valid else { throw TagDataError(file: path, message: "corrupt weights") }
                return SparseVector(indices: indices, values: values)
            }
            let unseen = log(Float(header.trainedOn + 1)) + 1
            var idf = [Float](repeating: unseen, count: 1 << header.settings.bits)
            let stored = try vector()
            for (index, value) in zip(stored.indices, stored.values) { idf[Int(index)] = value }
            let weights = try header.labels.map { _ in try vector() }
            guard header.biases.count == header.labels.count, header.thresholds.count == header.labels.count else {
                throw TagDataError(file: path, message: "corrupt header")
            }
            return TopicClassifier(header: header, features: TextFeatures(bits: header.settings.bits, idf: idf, stems: header.settings.stems ?? false, bodyTokens: header.settings.bodyTokens), weights: weights)
        } catch let error as TagDataError {
            throw error
        } catch {
            throw TagDataError(file: path, message: "not a readable model: \(error)")
        }
    }

    private static func append(_ value: UInt32, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }
}

/// Reads little-endian values from a byte buffer, failing at its end.
private struct ByteReader {
    let data: Data
    var offset = 0

    struct Truncated: Error {}

    mutating func bytes(_ count: Int) throws -> Data {
        guard count >= 0, offset + count <= data.count else { throw Truncated() }
        defer { offset += count }
        return data.subdata(in: (data.startIndex + offset)..<(data.startIndex + offset + count))
    }

    mutating func uint32() throws -> UInt32 {
        let raw = try bytes(4)
        return raw.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
    }
}
