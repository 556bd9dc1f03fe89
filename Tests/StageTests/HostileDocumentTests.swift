import Foundation
@testable import IngestStage
import NewsModel
import Testing

@Suite("Hostile documents and crash loops")
struct HostileDocumentTests {
    @Test("forty thousand nested elements are refused with the depth limit, and the process survives")
    func deepElements() throws {
        let depth = 40_000
        for inner in [String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)] {
            let document = "<rss version=\"2.0\"><channel><title>x</title><item><title>t</title><description>"
                + inner + "</description></item>" + String(repeating: "<x>", count: depth) + String(repeating: "</x>", count: depth)
                + "</channel></rss>"
            #expect(throws: FeedParseError.self) { try FeedReader.read(Data(document.utf8)) }
            do {
                _ = try FeedReader.read(Data(document.utf8))
            } catch {
                #expect(error.message.contains("nested more than \(SafeXML.maxDepth) deep"))
            }
        }
    }

    @Test("a deep tree built by hand is released without recursion")
    func iterativeRelease() {
        var root: XMLNode? = XMLNode(name: "root", namespace: nil, attributes: [:])
        var node = root!
        for _ in 0..<200_000 {
            let child = XMLNode(name: "a", namespace: nil, attributes: [:])
            node.append(child: child)
            node = child
        }
        root = nil
        #expect(root == nil)
    }

    @Test("valid RSS of 11 MB is read: the 16 MiB cap holds, not libxml2's 10 MB one")
    func largeValidFeed() throws {
        var items: [String] = []
        let paragraph = String(repeating: "Ships returned to the harbour after the storm. ", count: 10)
        for index in 0..<20_000 {
            items.append(
                "<item><title>Story \(index) about the harbour</title><guid>g\(index)</guid><description>\(paragraph)</description></item>")
        }
        let document = "<rss version=\"2.0\"><channel><title>Big</title>" + items.joined() + "</channel></rss>"
        #expect(document.utf8.count > 11_000_000)
        let parsed = try FeedReader.read(Data(document.utf8))
        #expect(parsed.format == .rss)
        #expect(parsed.items.count == 20_000)
        let over = Data(repeating: UInt8(ascii: " "), count: StoryLimits.documentBytes + 1)
        #expect(throws: FeedParseError.self) { try FeedReader.read(Data("<rss>".utf8) + over) }
    }

    @Test("a file whose reading never finished is recorded as failed at the next start, not read again")
    func interruptedFileIsNotRetried() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ingest-state.sqlite").path
        do {
            let state = try IngestState(path: path)
            try await state.markAttempted(path: "/in/killer.xml", size: 10, modified: 1)
            try await state.markAttempted(path: "/in/cut-short.jsonl", size: 20, modified: 2)
            try await state.clearAttempt(path: "/in/cut-short.jsonl")
        }
        // The process died; a new one opens the same state.
        let restarted = try IngestState(path: path)
        #expect(try await restarted.failInterruptedAttempts() == ["/in/killer.xml"])
        let processed = try await restarted.processedFiles()
        #expect(processed["/in/killer.xml"]?.size == 10)
        #expect(processed["/in/cut-short.jsonl"] == nil)
        #expect(try await restarted.failure(path: "/in/killer.xml")?.contains("may have crashed on it") == true)
        #expect(try await restarted.failInterruptedAttempts().isEmpty)
    }

    @Test("a feed whose document was being read when the process stopped is found at the next start")
    func interruptedFeedRead() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("feeds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("feeds.sqlite").path
        do {
            let registry = try FeedRegistry(path: path, instance: "ingest-0")
            _ = try await registry.add(FeedAddRequest(url: "https://a.example/rss"))
            _ = try await registry.add(FeedAddRequest(url: "https://b.example/rss"))
            try await registry.markReading(url: "https://a.example/rss")
            try await registry.markReading(url: "https://b.example/rss")
            try await registry.recordSuccess(
                url: "https://b.example/rss", validators: nil, accepted: 1, duplicates: 0, notModified: false, next: Date())
        }
        let restarted = try FeedRegistry(path: path, instance: "ingest-0")
        #expect(try await restarted.interruptedReads().map(\.url) == ["https://a.example/rss"])
        try await restarted.recordFailure(url: "https://a.example/rss", error: "stopped while reading", next: Date())
        #expect(try await restarted.interruptedReads().isEmpty)
    }
}
