import Dispatch
import Foundation
import Synchronization

/// What one socket thread does: the sockets it owns and what it makes of each wake-up.
///
/// A loop is made on its thread by ``SocketThread`` and never leaves it, so it may hold sockets (which
/// are not `Sendable`) in ordinary stored properties. Other threads reach it only through state the
/// loop shares with them (a `Mutex`-guarded queue, say) and ``SocketThread/wake()``.
public protocol SocketLoop: SendableMetatype {
    /// The sockets to wait on, each for readability, in the order ``SocketEvents/isReadable(_:)`` numbers
    /// them. Asked before every wait, so a loop may add and remove sockets as it goes.
    var sockets: [ZMQSocket] { get }

    /// The longest wait before ``turn(_:)`` is called with nothing ready, for loops with timers; `nil`
    /// waits for a socket or a wake-up.
    var pollTimeout: Duration? { get }

    /// One pass: called after every wait, whether a socket became readable, the thread was woken, or
    /// the timeout passed. A thrown error ends the loop (see ``finish(after:)``).
    mutating func turn(_ events: SocketEvents) throws(ZMQError)

    /// Called once, on the thread, after the last pass: send what is still queued, close the sockets,
    /// remove socket files. `error` is what ended the loop, or `nil` after ``SocketThread/stop()``.
    mutating func finish(after error: ZMQError?)
}

/// Which of a loop's sockets are readable after a wait, and whether the thread was woken.
public struct SocketEvents: Sendable {
    /// True when ``SocketThread/wake()`` was called since the last pass.
    public let woken: Bool
    private let firstSockets: UInt64
    private let laterSockets: Set<Int>

    init(woken: Bool, readable: (Int) -> Bool, count: Int) {
        self.woken = woken
        var first: UInt64 = 0
        var later = Set<Int>()
        for index in 0..<count where readable(index) {
            if index < 64 { first |= 1 << UInt64(index) } else { later.insert(index) }
        }
        firstSockets = first
        laterSockets = later
    }

    /// True when socket `index` of ``SocketLoop/sockets`` has a message to read.
    public func isReadable(_ index: Int) -> Bool {
        index < 64 ? firstSockets & (1 << UInt64(index)) != 0 : laterSockets.contains(index)
    }
}

/// One dedicated thread that owns a ``SocketLoop`` and its sockets, in the manner of GRDB's
/// `SerializedDatabase`: the sockets are made, used and closed on this thread only (``ZMQSocket``
/// checks it in debug builds), and the rest of the process talks to the loop by queueing work and
/// calling ``wake()``.
///
/// The thread waits in `zmq_poll` on the loop's sockets and an eventfd (``WakeSignal``), calls
/// ``SocketLoop/turn(_:)`` after each wait, and ends after ``stop()`` or when a pass throws, calling
/// ``SocketLoop/finish(after:)`` last. It is never one of Swift's cooperative threads, since libzmq
/// calls can block.
public final class SocketThread: Sendable {
    /// The thread's name, as `top -H` and debuggers show it.
    public let name: String
    private let wakeSignal = WakeSignal()
    private let stopping = Atomic<Bool>(false)
    private let ended = DispatchSemaphore(value: 0)

    private init(name: String) {
        self.name = name
    }

    /// Starts a thread that makes its loop with `makeLoop` (binding, connecting, whatever can fail) and
    /// runs it; returns once the loop is made.
    /// - Throws: what `makeLoop` threw; the thread has then ended.
    public static func start<Loop: SocketLoop, Failure: Error>(
        name: String, _ makeLoop: @escaping @Sendable (SocketThread) throws(Failure) -> Loop
    ) async throws(Failure) -> SocketThread {
        let thread = SocketThread(name: name)
        let made: Result<Void, Failure> = await withCheckedContinuation { continuation in
            thread.spawn {
                do throws(Failure) {
                    var loop = try makeLoop(thread)
                    continuation.resume(returning: .success(()))
                    thread.run(&loop)
                } catch {
                    continuation.resume(returning: .failure(error))
                    thread.ended.signal()
                }
            }
        }
        try made.get()
        return thread
    }

    /// Starts a thread with a loop that cannot fail to be made, without waiting for it.
    public static func launch<Loop: SocketLoop>(name: String, _ makeLoop: @escaping @Sendable (SocketThread) -> Loop) -> SocketThread {
        let thread = SocketThread(name: name)
        thread.spawn {
            var loop = makeLoop(thread)
            thread.run(&loop)
        }
        return thread
    }

    /// Wakes the thread for a pass: call it after queueing work for the loop. Any thread may call it.
    public func wake() {
        wakeSignal.signal()
    }

    /// Asks the loop to end after its current pass; returns at once.
    public func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        wakeSignal.signal()
    }

    /// True once ``stop()`` was called.
    public var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) }

    /// Waits, without holding a cooperative thread, until the loop has finished and the thread ended.
    public func waitUntilEnded() async {
        let ended = self.ended
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiter = Thread {
                ended.wait()
                ended.signal()  // later waiters return too
                continuation.resume()
            }
            waiter.name = "\(name) join"
            waiter.stackSize = 64 << 10
            waiter.start()
        }
    }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        let name = self.name
        let thread = Thread {
            // Named from inside: on Linux a name set before start is not given to the kernel's thread
            // (which keeps its parent's), and Foundation's setter did not always reach it either. top -H
            // and gdb show the kernel's name (at most 15 bytes), which the thread can write itself.
            Thread.current.name = name
            if let comm = FileHandle(forWritingAtPath: "/proc/thread-self/comm") {
                comm.write(Data(name.utf8.prefix(15)))
                try? comm.close()
            }
            body()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    private func run<Loop: SocketLoop>(_ loop: inout Loop) {
        defer { ended.signal() }
        var poller = ZMQPoller()
        var failure: ZMQError?
        do throws(ZMQError) {
            while !isStopping {
                let sockets = loop.sockets
                poller.removeAll()
                for socket in sockets { _ = poller.add(socket, events: .readable) }
                let wakeItem = poller.add(fileDescriptor: wakeSignal.fileDescriptor, events: .readable)
                let timeout = loop.pollTimeout.map { Int($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) } ?? -1
                try poller.poll(timeoutMilliseconds: timeout)
                let woken = poller.events(at: wakeItem).contains(.readable)
                if woken { wakeSignal.drain() }
                try loop.turn(SocketEvents(woken: woken, readable: { poller.events(at: $0).contains(.readable) }, count: sockets.count))
            }
        } catch {
            failure = error
        }
        loop.finish(after: failure)
    }
}
