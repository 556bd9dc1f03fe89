import CZeroMQ
import Glibc

/// A Linux eventfd that one thread writes to wake another that is waiting in `zmq_poll`.
///
/// `signal()` may be called from any thread; the waiting thread polls ``fileDescriptor`` for
/// readability and calls ``drain()``.
public final class WakeSignal: Sendable {
    /// The eventfd to poll for readability.
    public let fileDescriptor: Int32

    /// Creates a non-blocking eventfd (`eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)`).
    public init() {
        let fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        precondition(fd >= 0, "eventfd failed: errno \(errno)")
        fileDescriptor = fd
    }

    /// Wakes the waiting thread.
    public func signal() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(fileDescriptor, $0.baseAddress, 8) }
    }

    /// Clears pending wake-ups.
    public func drain() {
        var value: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &value) { read(fileDescriptor, $0.baseAddress, 8) }
    }

    deinit { Glibc.close(fileDescriptor) }
}
