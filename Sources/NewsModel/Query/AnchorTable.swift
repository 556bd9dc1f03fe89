import Foundation

/// Anchor keys to query positions: an open-addressing table over one flat postings array, so a story's
/// few hundred look-ups cost no `Hasher` run and no array retains.
struct AnchorTable: Sendable {
    private let keys: [UInt64]
    /// Per slot: where its postings start in `postings`, and how many (0: an empty slot).
    private let starts: [Int32]
    private let counts: [Int32]
    private let postings: [Int32]
    private let mask: Int

    init(_ entries: [(key: UInt64, position: Int32)]) {
        let sorted = entries.sorted { ($0.key, $0.position) < ($1.key, $1.position) }
        var distinct = 0
        for index in sorted.indices where index == 0 || sorted[index].key != sorted[index - 1].key { distinct += 1 }
        var capacity = 16
        while capacity < distinct * 2 { capacity *= 2 }
        var keys = [UInt64](repeating: 0, count: capacity)
        var starts = [Int32](repeating: 0, count: capacity)
        var counts = [Int32](repeating: 0, count: capacity)
        var index = 0
        while index < sorted.count {
            var end = index + 1
            while end < sorted.count && sorted[end].key == sorted[index].key { end += 1 }
            var slot = Self.home(sorted[index].key, capacity - 1)
            while counts[slot] > 0 { slot = (slot + 1) & (capacity - 1) }
            keys[slot] = sorted[index].key
            starts[slot] = Int32(index)
            counts[slot] = Int32(end - index)
            index = end
        }
        self.keys = keys
        self.starts = starts
        self.counts = counts
        self.postings = sorted.map(\.position)
        self.mask = capacity - 1
    }

    /// Sets the bit of every position indexed under `key`.
    @inline(__always)
    func mark(_ key: UInt64, in marks: UnsafeMutableBufferPointer<UInt64>) {
        var slot = Self.home(key, mask)
        while counts[slot] > 0 {
            if keys[slot] == key {
                let start = Int(starts[slot])
                postings.withUnsafeBufferPointer { postings in
                    for position in postings[start..<(start + Int(counts[slot]))] {
                        marks[Int(position) >> 6] |= 1 << (UInt64(position) & 63)
                    }
                }
                return
            }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private static func home(_ key: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: key ^ (key >> 31)) & mask }
}
