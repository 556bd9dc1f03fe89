import Foundation
import NewsModel
import NewsTransport
import Testing
import ZeroMQ

/// Peers on a stage's feed socket that greet with huge windows, never read, greet thousands of times or
/// acknowledge what they never received: the stage's memory stays bounded, its status answers, and the
/// real consumers still get every story.
@Suite("A flood of feed peers", .serialized, .timeLimit(.minutes(6)))
struct FeedFloodTests {
    /// The resident set of a process, in bytes, from /proc.
    static func residentBytes(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes * 1024
    }

    static func hello(group: String, instance: String, window: Int) -> Data {
        try! JSONEncoder().encode(FeedHello(group: group, instance: instance, window: window, start: .earliest, durable: true))
    }

    @Test("greedy, silent, numerous and lying peers leave ingest's memory bounded and lose no story")
    func floodKeepsMemoryBounded() async throws {
        try await PipelineHarness.with { pipeline in
            let ingest = try pipeline.start("ingest")
            #expect(try await pipeline.newsctl("status", ["ingest", "--wait", "30"], timeout: .seconds(40)).status == 0)
            // 2,000 stories of 30 KB: a 60 MB journal.
            let paragraph = String(repeating: "Ships returned to the harbour after the storm and the port reopened. ", count: 440)
            let lines = (0..<2_000).map { index in
                #"{"id": "flood-\#(index)", "headline": "Harbour story \#(index)", "body": "\#(index) \#(paragraph)"}"#
            }
            let file = try pipeline.write("flood.jsonl", lines.joined(separator: "\n") + "\n")
            let published = try await pipeline.newsctl("publish", [file.path, "--timeout", "60"], timeout: .seconds(180))
            #expect(published.stdout.contains("published 2000 stories"), "\(published.stdout)\(published.stderr)")
            let before = Self.residentBytes(ingest.pid)

            let endpoint = PipelineLayout(runDirectory: pipeline.runDirectory.path).feed("ingest-0")
            let context = try ZMQContext()
            defer { context.shutdown() }
            // Four durable groups that greet with a window of a billion and never read; 600 peers that
            // greet the tag group; and acknowledgements of everything, from a peer that received nothing.
            // The flood runs on a thread of its own for eight seconds; the stage is measured meanwhile.
            let flood = Task.detached {
                try await DedicatedThread.run(name: "flood") { () throws -> Void in
                    var kept: [ZMQSocket] = []
                    defer { for socket in kept { socket.close() } }
                    for group in 0..<4 {
                        let greedy = try ZMQSocket(context: context, type: .dealer)
                        try greedy.setLinger(milliseconds: 0)
                        try greedy.setReceiveHighWaterMark(0)
                        try greedy.connect(endpoint)
                        _ = try greedy.send([
                            Data(FeedFrame.hello.utf8), Self.hello(group: "greedy-\(group)", instance: "g\(group)", window: 1_000_000_000),
                        ])
                        kept.append(greedy)
                    }
                    for index in 0..<600 {
                        let peer = try ZMQSocket(context: context, type: .dealer)
                        try peer.setLinger(milliseconds: 0)
                        try peer.connect(endpoint)
                        _ = try peer.send([Data(FeedFrame.hello.utf8), Self.hello(group: "tag", instance: "fake-\(index)", window: 1)])
                        if index == 0 {
                            for sequence in 1...2_000 { _ = try peer.send([Data(FeedFrame.ack.utf8), Data(String(sequence).utf8)], dontWait: true) }
                        }
                        peer.close()
                    }
                    // The greedy peers stay alive (they ping) but never read.
                    for _ in 0..<16 {
                        for socket in kept { _ = try? socket.send([Data(FeedFrame.ping.utf8), Data()], dontWait: true) }
                        usleep(500_000)
                    }
                }
            }
            try await Task.sleep(for: .seconds(4))
            let clock = ContinuousClock()
            let start = clock.now
            let status = try await pipeline.newsctl("status", ["ingest", "--json", "--timeout", "10"])
            #expect(status.status == 0)
            #expect(clock.now - start < .seconds(6), "status took \(clock.now - start) during the flood")
            let grown = Self.residentBytes(ingest.pid) - before
            // The documented bound: 8 MiB in flight per replica, 256 MiB in all, a 64 MiB cache.
            #expect(grown < 160 << 20, "ingest grew by \(grown >> 20) MiB under the flood")
            #expect(status.stdout.contains("feed_rejected_acks"), "\(status.stdout)")

            // The real stages still get every story.
            for stage in ["tag", "index", "notify"] { try pipeline.start(stage) }
            let complete = try await eventually(timeout: .seconds(150)) { try await pipeline.counter("index", "indexed") >= 2_000 }
            let indexed = try await pipeline.counter("index", "indexed")
            #expect(complete, "indexed \(indexed) of 2000\n\(pipeline.logs())")
            #expect(Self.residentBytes(ingest.pid) - before < 200 << 20)
            try await flood.value
        }
    }
}
