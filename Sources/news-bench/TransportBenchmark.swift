import Foundation
import ZeroMQ

/// The transport's limit: one PUSH thread sending `count` two-frame messages of `size` bytes to one
/// PULL thread over `ipc://`, through the project's ZeroMQ wrapper.
enum TransportBenchmark {
    static func run(count: Int, size: Int, directory: String) throws -> Double {
        let context = try ZMQContext()
        let endpoint = "ipc://\(directory)/raw.ipc"
        let body = Data(repeating: 0x61, count: size)
        let topic = Data("story.tagged".utf8)
        let receiver = try ZMQSocket(context: context, type: .pull)
        defer { receiver.close() }
        try receiver.setMaxMessageSize(Int64(size * 2 + 1024))
        try receiver.bind(endpoint)
        let done = DispatchSemaphore(value: 0)
        let start = Date()
        let sender = Thread {
            do {
                let socket = try ZMQSocket(context: context, type: .push)
                defer { socket.close() }
                try socket.connect(endpoint)
                for _ in 0..<count { try socket.send([topic, body]) }
            } catch {
                FileHandle.standardError.write(Data("raw sender failed: \(error)\n".utf8))
            }
            done.signal()
        }
        sender.start()
        var received = 0
        try receiver.setReceiveTimeout(milliseconds: 10_000)
        while received < count {
            guard try receiver.receive() != nil else { break }
            received += 1
        }
        let elapsed = Date().timeIntervalSince(start)
        done.wait()
        return Double(received) / elapsed
    }
}
