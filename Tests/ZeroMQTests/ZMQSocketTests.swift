import Dispatch
import Foundation
import Testing
import ZeroMQ

/// A unique inproc endpoint per test, so tests can run in parallel within one context.
private func inprocEndpoint(_ name: String = #function) -> String {
    "inproc://\(name)-\(UUID().uuidString)"
}

@Suite("ZeroMQ sockets")
struct ZMQSocketTests {
    @Test("a multipart message arrives whole, with large and empty frames intact")
    func multipartRoundTrip() throws {
        let context = try ZMQContext()
        let endpoint = inprocEndpoint()
        let pull = try ZMQSocket(context: context, type: .pull)
        defer { pull.close() }
        try pull.setMaxMessageSize(64 << 20)
        try pull.bind(endpoint)
        let push = try ZMQSocket(context: context, type: .push)
        defer { push.close() }
        try push.connect(endpoint)

        let large = Data((0..<(9 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let frames = [Data("topic".utf8), Data(), large, Data([0, 1, 2])]
        #expect(try push.send(frames))
        try pull.setReceiveTimeout(milliseconds: 5000)
        let received = try #require(try pull.receive())
        #expect(received == frames)
    }

    @Test("a receive that times out returns nil instead of throwing")
    func receiveTimeout() throws {
        let context = try ZMQContext()
        let pull = try ZMQSocket(context: context, type: .pull)
        defer { pull.close() }
        try pull.bind(inprocEndpoint())
        try pull.setReceiveTimeout(milliseconds: 20)
        #expect(try pull.receive() == nil)
        #expect(try pull.receive(dontWait: true) == nil)
    }

    @Test("a bind error names the call, the endpoint, errno and libzmq's text")
    func bindErrorCarriesContext() throws {
        let context = try ZMQContext()
        let first = try ZMQSocket(context: context, type: .pull)
        defer { first.close() }
        try first.bind("tcp://127.0.0.1:*")
        let taken = try first.lastEndpoint()
        let second = try ZMQSocket(context: context, type: .pull)
        defer { second.close() }
        let error = try #require(throws: ZMQError.self) { try second.bind(taken) }
        #expect(error.isAddressInUse)
        #expect(error.call == "zmq_bind")
        #expect(error.endpoint == taken)
        #expect(error.description.contains("Address already in use"))
        #expect(error.description.contains("errno \(error.code)"))
    }

    @Test("a malformed endpoint is refused with EINVAL or EPROTONOSUPPORT")
    func malformedEndpoint() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .subscriber)
        defer { socket.close() }
        let error = try #require(throws: ZMQError.self) { try socket.connect("carrier-pigeon://nowhere") }
        #expect(error.call == "zmq_connect")
        #expect(!error.message.isEmpty)
    }

    @Test("a message larger than the receiver's maximum is never delivered")
    func maxMessageSizeIsEnforced() throws {
        let context = try ZMQContext()
        let endpoint = "tcp://127.0.0.1:*"
        let pull = try ZMQSocket(context: context, type: .pull)
        defer { pull.close() }
        try pull.setMaxMessageSize(1024)
        try pull.bind(endpoint)
        let bound = try pull.lastEndpoint()
        let push = try ZMQSocket(context: context, type: .push)
        defer { push.close() }
        try push.setLinger(milliseconds: 0)
        try push.connect(bound)
        #expect(try push.send([Data(count: 4096)]))
        try pull.setReceiveTimeout(milliseconds: 300)
        #expect(try pull.receive() == nil)
    }

    @Test("pub/sub delivers only the subscribed topic prefixes")
    func subscriptionPrefixes() throws {
        let context = try ZMQContext()
        let endpoint = inprocEndpoint()
        let publisher = try ZMQSocket(context: context, type: .extendedPublisher)
        defer { publisher.close() }
        try publisher.setExtendedPublisherVerbose()
        try publisher.bind(endpoint)
        let subscriber = try ZMQSocket(context: context, type: .subscriber)
        defer { subscriber.close() }
        try subscriber.subscribe("alert.sub_1")
        try subscriber.connect(endpoint)
        // XPUB hands the subscription up: once it is seen, the subscriber is connected.
        try publisher.setReceiveTimeout(milliseconds: 2000)
        let subscription = try #require(try publisher.receive())
        #expect(subscription.first == Data([1]) + Data("alert.sub_1".utf8))

        try publisher.send([Data("alert.sub_2".utf8), Data("no".utf8)])
        try publisher.send([Data("alert.sub_1".utf8), Data("yes".utf8)])
        try subscriber.setReceiveTimeout(milliseconds: 2000)
        let received = try #require(try subscriber.receive())
        #expect(received == [Data("alert.sub_1".utf8), Data("yes".utf8)])
    }

    @Test("a socket used from a thread other than its own stops a debug build")
    func foreignThreadIsCaught() async {
        await #expect(processExitsWith: .failure) {
            let context = try ZMQContext()
            // Deliberately handed to another thread: the check under test.
            nonisolated(unsafe) let socket = try ZMQSocket(context: context, type: .pull)
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                _ = try? socket.bind("inproc://foreign-thread")
                done.signal()
            }
            thread.start()
            done.wait()
        }
    }

    @Test("shutting the context down wakes a blocked receive with ETERM")
    func contextShutdownReleasesReceive() async throws {
        let context = try ZMQContext()
        let outcome: Result<[Data]?, ZMQError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do {
                    let socket = try ZMQSocket(context: context, type: .pull)
                    defer { socket.close() }
                    try socket.bind("inproc://blocked-receive")
                    continuation.resume(returning: .success(try socket.receive()))
                } catch {
                    continuation.resume(returning: .failure(error as! ZMQError))
                }
            }
            thread.start()
            Thread.sleep(forTimeInterval: 0.1)
            context.shutdown()
        }
        guard case .failure(let error) = outcome else {
            Issue.record("receive returned \(outcome) instead of failing")
            return
        }
        #expect(error.isContextTerminated)
    }

    @Test("the poller reports a readable socket and a readable file descriptor")
    func pollerSeesSocketsAndDescriptors() throws {
        let context = try ZMQContext()
        let endpoint = inprocEndpoint()
        let pull = try ZMQSocket(context: context, type: .pull)
        defer { pull.close() }
        try pull.bind(endpoint)
        let push = try ZMQSocket(context: context, type: .push)
        defer { push.close() }
        try push.connect(endpoint)
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        defer {
            close(pipeEnds[0])
            close(pipeEnds[1])
        }

        var poller = ZMQPoller()
        let socketItem = poller.add(pull, events: .readable)
        let pipeItem = poller.add(fileDescriptor: pipeEnds[0], events: .readable)
        #expect(try poller.poll(timeoutMilliseconds: 0) == 0)

        try push.send([Data("x".utf8)])
        #expect(try poller.poll(timeoutMilliseconds: 2000) == 1)
        #expect(poller.events(at: socketItem).contains(.readable))
        #expect(!poller.events(at: pipeItem).contains(.readable))

        #expect(write(pipeEnds[1], "!", 1) == 1)
        _ = try pull.receive()
        #expect(try poller.poll(timeoutMilliseconds: 2000) == 1)
        #expect(poller.events(at: pipeItem).contains(.readable))
    }

    @Test("the library is at least libzmq 4.3.3")
    func libraryVersion() {
        let version = ZMQLibrary.version
        #expect((version.major, version.minor, version.patch) >= (4, 3, 3))
        #expect(ZMQLibrary.versionString.split(separator: ".").count == 3)
    }
}
