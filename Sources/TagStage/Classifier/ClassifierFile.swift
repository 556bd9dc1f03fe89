import Foundation
import NewsModel

/// Reads and writes classifier model files: ``ModelFile``'s frame (magic `NEWSCLS1`, the JSON
/// ``TopicClassifier/Header``), then the IDF table and each label's weights as sparse vectors.
///
/// Format 2 (written now) stores a vector as a varint count and, per entry, the varint gap to the
/// previous bucket and the value as a little-endian Float16 (about 3 bytes an entry; half precision
/// moves no decision measurably). Format 1 (still read) stored UInt32 bucket and Float32 value pairs.
extension TopicClassifier {
    static let magic = Data("NEWSCLS1".utf8)
    /// The format this version writes.
    static let currentFormat = 2

    /// The model shipped with the project (`Resources/topics.model`, trained by `make model`).
    public static func bundled() throws(TagDataError) -> TopicClassifier {
        guard let url = Bundle.module.url(forResource: "topics", withExtension: "model") else {
            throw TagDataError(file: "topics.model", message: "the bundled classifier model is missing from the build")
        }
        return try read(from: url.path)
    }

    /// Writes the model to `path`, in the current format.
    public func write(to path: String) throws {
        var header = self.header
        header.format = Self.currentFormat
        // The IDF of a bucket no story had, as training computed it (at Float16 precision).
        let unseen = Float(Float16(log(Float(header.trainedOn + 1)) + 1))
        var payload = Data()
        var idf = SparseVector(indices: [], values: [])
        for (bucket, value) in features.idf.enumerated() where value != unseen {
            idf.indices.append(Int32(bucket))
            idf.values.append(value)
        }
        for vector in [idf] + weights {
            appendVarint(UInt64(vector.indices.count), to: &payload)
            var previous: Int64 = -1
            for (index, value) in zip(vector.indices, vector.values) {
                appendVarint(UInt64(Int64(index) - previous - 1), to: &payload)
                previous = Int64(index)
                let bits = Float16(value).bitPattern
                payload.append(UInt8(truncatingIfNeeded: bits))
                payload.append(UInt8(truncatingIfNeeded: bits >> 8))
            }
        }
        try ModelFile.encode(magic: Self.magic, header: header, payload: payload).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads a model from `path`.
    /// - Throws: ``TagDataError`` when the file is missing or not a model this version reads.
    public static func read(from path: String) throws(TagDataError) -> TopicClassifier {
        let (header, payload) = try ModelFile.decode(Header.self, path: path, magic: magic, kind: "classifier model", maker: "tag train")
        guard [1, 2].contains(header.format), header.settings.bits >= 10, header.settings.bits <= 26 else {
            throw TagDataError(file: path, message: "model format \(header.format) is not supported")
        }
        guard header.biases.count == header.labels.count, header.thresholds.count == header.labels.count else {
            throw TagDataError(file: path, message: "corrupt header")
        }
        let limit = 1 << header.settings.bits
        var reader = VectorReader(bytes: [UInt8](payload), format: header.format, limit: limit)
        guard let stored = reader.vector() else { throw TagDataError(file: path, message: "corrupt IDF table") }
        let unseen = log(Float(header.trainedOn + 1)) + 1
        var idf = [Float](repeating: header.format == 1 ? unseen : Float(Float16(unseen)), count: limit)
        for (index, value) in zip(stored.indices, stored.values) { idf[Int(index)] = value }
        var weights: [SparseVector] = []
        for _ in header.labels {
            guard let vector = reader.vector() else { throw TagDataError(file: path, message: "corrupt weights") }
            weights.append(vector)
        }
        let features = TextFeatures(
            bits: header.settings.bits, idf: idf, stems: header.settings.stems ?? false, bodyTokens: header.settings.bodyTokens)
        return TopicClassifier(header: header, features: features, weights: weights)
    }

    private func appendVarint(_ value: UInt64, to data: inout Data) {
        var value = value
        while value >= 0x80 {
            data.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        data.append(UInt8(value))
    }
}

/// Reads a model file's sparse vectors in either format, failing (nil) at a bad bucket or the end.
private struct VectorReader {
    let bytes: [UInt8]
    let format: Int
    let limit: Int
    var offset = 0

    init(bytes: [UInt8], format: Int, limit: Int) {
        self.bytes = bytes
        self.format = format
        self.limit = limit
    }

    mutating func vector() -> SparseVector? {
        guard let count = format == 1 ? uint32().map(Int.init) : varint().map(Int.init), count <= limit else { return nil }
        var indices = [Int32](repeating: 0, count: count)
        var values = [Float](repeating: 0, count: count)
        var previous = -1
        for position in 0..<count {
            let index: Int
            if format == 1 {
                guard let stored = uint32(), let bits = uint32() else { return nil }
                index = Int(stored)
                values[position] = Float(bitPattern: bits)
            } else {
                guard let gap = varint(), gap < UInt64(limit), offset + 2 <= bytes.count else { return nil }
                index = previous + 1 + Int(gap)
                values[position] = Float(Float16(bitPattern: UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8))
                offset += 2
            }
            guard index >= 0, index < limit else { return nil }
            indices[position] = Int32(index)
            previous = index
        }
        return SparseVector(indices: indices, values: values)
    }

    mutating func uint32() -> UInt32? {
        guard offset + 4 <= bytes.count else { return nil }
        defer { offset += 4 }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }
}
