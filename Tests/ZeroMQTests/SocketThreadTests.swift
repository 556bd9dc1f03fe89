import Foundation
import Synchronization
import Testing
import ZeroMQ

/// What a test loop saw, shared with the test.
private final class Record: Sendable {
    let received = Mutex<[String]>([])
    let wakes = Atomic<Int>(0)
    let finished = Mutex<[String]>([])
    let threads = Mutex<Set<String>>([])
}

/// A PULL socket bound on its thread: records each message, each wake-up and how it finished.
private struct PullLoop: SocketLoop {
    let socket: ZMQSocket
    let record: Record
    var sockets: [ZMQSocket] { [socket] }
    var pollTimeout: Duration? { nil }

    init(context: ZMQContext, endpoint: String, record: Record) throws(ZMQError) {
        socket = try ZMQSocket(context: context, type: .pull)
        do {
            try socket.bind(endpoint)
        } catch {
            socket.close()
            throw error
        }
        self.record = record
    }

    mutating func turn(_ events: SocketEvents) throws(ZMQError) {
        // The kernel's name for the calling thread, as top -H shows it.
        let threadName = ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        record.threads.withLock { _ = $0.insert(threadName) }
        if events.woken { record.wakes.add(1, ordering: .relaxed) }
        guard events.isReadable(0) else { return }
        while let frames = try socket.receive(dontWait: true) {
            record.received.withLock { $0.append(String(decoding: frames[0], as: UTF8.self)) }
        }
    }

    mutating func finish(after error: ZMQError?) {
        record.finished.withLock { $0.append(error.map { $0.isContextTerminated ? "ETERM" : "\($0)" } ?? "stopped") }
        socket.close()
    }
}

/// Sends `count` messages from a socket of its own thread (a socket belongs to one thread).
private func push(_ count: Int, context: ZMQContext, endpoint: String) async throws {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
        let thread = Thread {
            do {
                let push = try ZMQSocket(context: context, type: .push)
                defer { push.close() }
                try push.connect(endpoint)
                for index in 0..<count { try push.send([Data("m\(index)".utf8)]) }
                continuation.resume()
            } catch {
                continuation.resume(throwing: error)
            }
        }
        thread.start()
    }
}

private func eventually(_ condition: () -> Bool) async throws -> Bool {
    for _ in 0..<500 {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

@Suite("Socket threads")
struct SocketThreadTests {
    @Test("a loop runs on its own named thread, reads what arrives, is woken on request, and finishes once after stop")
    func loopLifecycle() async throws {
        let context = try ZMQContext()
        let endpoint = "inproc://socket-thread-\(UUID().uuidString)"
        let record = Record()
        let thread = try await SocketThread.start(name: "test-pull") { _ throws(ZMQError) in
            try PullLoop(context: context, endpoint: endpoint, record: record)
        }
        try await push(100, context: context, endpoint: endpoint)
        #expect(try await eventually { record.received.withLock { $0.count } == 100 })
        #expect(record.received.withLock { $0 } == (0..<100).map { "m\($0)" })
        thread.wake()
        #expect(try await eventually { record.wakes.load(ordering: .relaxed) >= 1 })
        thread.stop()
        #expect(thread.isStopping)
        await thread.waitUntilEnded()
        await thread.waitUntilEnded()  // a second wait returns too
        #expect(record.finished.withLock { $0 } == ["stopped"])
        #expect(record.threads.withLock { $0 } == ["test-pull"])
        context.shutdown()
    }

    @Test("a loop that cannot be made is the error start throws, and no thread is left running")
    func makeFailure() async throws {
        let context = try ZMQContext()
        let endpoint = "inproc://socket-thread-\(UUID().uuidString)"
        let record = Record()
        let first = try await SocketThread.start(name: "first") { _ throws(ZMQError) in
            try PullLoop(context: context, endpoint: endpoint, record: record)
        }
        await #expect(throws: ZMQError.self) {
            _ = try await SocketThread.start(name: "second") { _ throws(ZMQError) in
                try PullLoop(context: context, endpoint: endpoint, record: record)
            }
        }
        first.stop()
        await first.waitUntilEnded()
        #expect(record.finished.withLock { $0 } == ["stopped"])
        context.shutdown()
    }

    @Test("shutting the context down ends the loop with ETERM, and finish closes its socket")
    func contextShutdownEndsLoop() async throws {
        let context = try ZMQContext()
        let endpoint = "inproc://socket-thread-\(UUID().uuidString)"
        let record = Record()
        let thread = try await SocketThread.start(name: "term") { _ throws(ZMQError) in
            try PullLoop(context: context, endpoint: endpoint, record: record)
        }
        context.shutdown()
        await thread.waitUntilEnded()
        #expect(record.finished.withLock { $0 } == ["ETERM"])
    }

    @Test("a drained socket and a full queue are values, not errors")
    func wouldBlockIsAValue() throws {
        let context = try ZMQContext()
        let endpoint = "inproc://would-block-\(UUID().uuidString)"
        let pull = try ZMQSocket(context: context, type: .pull)
        defer { pull.close() }
        try pull.setReceiveHighWaterMark(1)
        try pull.bind(endpoint)
        #expect(try pull.receive(dontWait: true) == nil)
        let push = try ZMQSocket(context: context, type: .push)
        defer { push.close() }
        try push.setSendHighWaterMark(1)
        try push.connect(endpoint)
        var sent = 0
        while try push.send([Data("x".utf8)], dontWait: true) {
            sent += 1
            if sent > 10_000 { break }
        }
        #expect(sent >= 1 && sent < 10_000, "the queue never filled")
    }
}
