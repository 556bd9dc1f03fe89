/// A small, fast, seedable generator (SplitMix64), so training and generated benchmark data are repeatable.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// A generator that always gives the same sequence for `seed`.
    public init(seed: UInt64) { state = seed }
    /// The next value.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.finalise(state)
    }

    /// SplitMix64's output function: spreads every bit of `value` over the whole word (a good,
    /// stable mixer for hashes, such as FNV's weak low bits).
    @inline(__always)
    public static func finalise(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// ``finalise(_:)`` of `value` plus the generator's increment: a stateless mix of one value.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 { finalise(value &+ 0x9E37_79B9_7F4A_7C15) }
}
