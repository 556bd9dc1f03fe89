import NewsModel

/// A read-only hash table from folded words to values, looked up with a token's precomputed
/// ``TextTokenizer/Token/hash``, so the tagger never hashes a word twice: open addressing with linear
/// probing, the word compared only when the hashes agree.
struct WordTable<Value: Sendable>: Sendable {
    /// Per slot: the entry's index, or -1 for an empty slot.
    private let slots: [Int32]
    /// Per slot: the entry's hash (a quick reject before the word is compared).
    private let slotHashes: [UInt64]
    private let words: [String]
    private let values: [Value]
    private let mask: Int

    /// A table of `entries` (folded words).
    init(_ entries: [String: Value]) {
        var capacity = 16
        while capacity < entries.count * 2 { capacity *= 2 }
        var slots = [Int32](repeating: -1, count: capacity)
        var slotHashes = [UInt64](repeating: 0, count: capacity)
        var words: [String] = []
        var values: [Value] = []
        for (word, value) in entries {
            let hash = FNV1a.hash(word)
            var slot = Self.home(hash, capacity - 1)
            while slots[slot] >= 0 { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = Int32(words.count)
            slotHashes[slot] = hash
            words.append(word)
            values.append(value)
        }
        self.slots = slots
        self.slotHashes = slotHashes
        self.words = words
        self.values = values
        self.mask = capacity - 1
    }

    /// The value of a token's folded text.
    @inline(__always)
    subscript(token: TextTokenizer.Token) -> Value? { value(hash: token.hash, word: token.text) }

    /// The value of a folded word.
    subscript(word: String) -> Value? { value(hash: FNV1a.hash(word), word: word) }

    @inline(__always)
    private func value(hash: UInt64, word: String) -> Value? {
        var slot = Self.home(hash, mask)
        while true {
            let entry = slots[slot]
            if entry < 0 { return nil }
            if slotHashes[slot] == hash && words[Int(entry)] == word { return values[Int(entry)] }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private static func home(_ hash: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
    }
}
