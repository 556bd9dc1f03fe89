import Dispatch
import Foundation
import Synchronization

/// A fixed number of dedicated threads that run blocking or CPU-heavy work (parsing a 16 MiB feed, say)
/// for async code, so that such work never occupies Swift's cooperative pool, and never more of it runs
/// at once than there are threads: the rest waits its turn in a queue.
public final class BlockingExecutor: Sendable {
    private struct Queue {
        var jobs: [@Sendable () -> Void] = []
    }

    private let queue = Mutex(Queue())
    private let available = DispatchSemaphore(value: 0)
    /// How many threads run the work.
    public let threads: Int

    /// Starts `threads` threads named `name-<n>`.
    public init(name: String, threads: Int) {
        self.threads = max(1, threads)
        for index in 0..<self.threads {
            // The threads hold the executor: it lives as long as the process.
            DedicatedThread.start(name: "\(name)-\(index)") { [self] in
                while true {
                    available.wait()
                    let job: (@Sendable () -> Void)? = queue.withLock { state in
                        state.jobs.isEmpty ? nil : state.jobs.removeFirst()
                    }
                    job?()
                }
            }
        }
    }

    /// Runs `body` on one of the threads and returns its result.
    public func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            queue.withLock { state in
                state.jobs.append {
                    do throws(E) {
                        continuation.resume(returning: .success(try body()))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
            }
            available.signal()
        }
        return try result.get()
    }

    /// The process's executor for parsing documents: two threads (one per core here).
    public static let parsing = BlockingExecutor(name: "parse", threads: 2)
}
