/// A set of words built once and asked many times, keyed by the words' ``FNV1a`` hashes (which the
/// tokenizer already computed), so a look-up costs no `Hasher` run: open addressing, linear probing,
/// the word compared only when the hashes agree.
struct HashedWordSet: Sendable {
    private let slots: [Int32]
    private let slotHashes: [UInt64]
    /// The distinct words, in first-seen order.
    let words: [String]
    private let mask: Int

    /// The set of `items`, each a word and its ``FNV1a`` hash.
    init(_ items: some Sequence<(word: String, hash: UInt64)>) {
        let pending = Array(items)
        var capacity = 16
        while capacity < pending.count * 2 { capacity *= 2 }
        var slots = [Int32](repeating: -1, count: capacity)
        var slotHashes = [UInt64](repeating: 0, count: capacity)
        var words: [String] = []
        words.reserveCapacity(pending.count)
        let mask = capacity - 1
        for item in pending {
            var slot = Int(truncatingIfNeeded: item.hash ^ (item.hash >> 29)) & mask
            var present = false
            while slots[slot] >= 0 {
                if slotHashes[slot] == item.hash && words[Int(slots[slot])] == item.word {
                    present = true
                    break
                }
                slot = (slot + 1) & mask
            }
            if present { continue }
            slots[slot] = Int32(words.count)
            slotHashes[slot] = item.hash
            words.append(item.word)
        }
        self.slots = slots
        self.slotHashes = slotHashes
        self.words = words
        self.mask = mask
    }

    /// Whether `word` (with its ``FNV1a`` hash) is in the set.
    @inline(__always)
    func contains(_ word: String, hash: UInt64) -> Bool { withUnsafeView { $0.contains(word, hash: hash) } }

    /// Whether `word` is in the set.
    func contains(_ word: String) -> Bool { contains(word, hash: FNV1a.hash(word)) }

    /// Whether a word of the set starts with `prefix`, byte for byte (as FTS5 prefix queries compare).
    func containsPrefix(_ prefix: String) -> Bool {
        let prefixBytes = Array(prefix.utf8)
        return words.contains { word in word.utf8.count >= prefixBytes.count && word.utf8.starts(with: prefixBytes) }
    }

    /// Calls `body` with a view of the set over its buffers, for many look-ups without reference counting.
    func withUnsafeView<R>(_ body: (UnsafeWordSetView) -> R) -> R {
        slots.withUnsafeBufferPointer { slots in
            slotHashes.withUnsafeBufferPointer { slotHashes in
                words.withUnsafeBufferPointer { words in
                    body(UnsafeWordSetView(slots: slots, slotHashes: slotHashes, words: words, mask: mask))
                }
            }
        }
    }
}

/// A ``HashedWordSet`` seen through its buffers; valid only inside `withUnsafeView`.
struct UnsafeWordSetView {
    let slots: UnsafeBufferPointer<Int32>
    let slotHashes: UnsafeBufferPointer<UInt64>
    let words: UnsafeBufferPointer<String>
    let mask: Int

    /// Whether `word` (with its ``FNV1a`` hash) is in the set.
    @inline(__always)
    func contains(_ word: String, hash: UInt64) -> Bool {
        var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        while true {
            let entry = slots[slot]
            if entry < 0 { return false }
            if slotHashes[slot] == hash && words[Int(entry)] == word { return true }
            slot = (slot + 1) & mask
        }
    }
}
