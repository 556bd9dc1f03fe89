/// The 64-bit FNV-1a hash: stable across runs and machines (unlike `Hasher`), so it can be stored in
/// model files and databases. Used for token hashes, feature hashing and near-duplicate shingles.
public enum FNV1a {
    /// The standard offset basis, the seed of an unseeded hash.
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// The 64-bit FNV prime.
    public static let prime: UInt64 = 0x100_0000_01b3

    /// `hash` extended by one byte.
    @inline(__always)
    public static func adding(_ byte: UInt8, to hash: UInt64) -> UInt64 {
        (hash ^ UInt64(byte)) &* prime
    }

    /// The hash of `text`'s UTF-8, starting from `seed`.
    @inline(__always)
    public static func hash(_ text: String, seed: UInt64 = offsetBasis) -> UInt64 {
        var hash = seed
        for byte in text.utf8 { hash = adding(byte, to: hash) }
        return hash
    }
}
