import Foundation

/// Runs blocking work on threads of its own, never on Swift's cooperative pool.
///
/// The cooperative pool has about one thread per core (two here); a blocking ZeroMQ receive or a file
/// read on it would stall every task in the process.
public enum DedicatedThread {
    /// Starts a named thread that runs `body` and then exits.
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            // Named from inside: on Linux a name set before start does not reach the kernel's thread.
            Thread.current.name = name
            body()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Runs `body` on a new thread and returns its result to the awaiting task.
    public static func run<T: Sendable, E: Error>(
        name: String, _ body: @escaping @Sendable () throws(E) -> T
    ) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            start(name: name) {
                do throws(E) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
