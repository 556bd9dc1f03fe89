import Foundation
import IngestStage
import NewsModel
import Testing

@Suite("Duplicate and near-duplicate stories")
struct DuplicateDetectorTests {
    let path = NSTemporaryDirectory() + "dups-\(UUID().uuidString)/duplicates.sqlite"

    func story(_ id: String, _ headline: String, _ body: String) -> Story {
        Story(id: id, headline: headline, body: body)
    }

    let body = """
        The State Department announced a further six million dollars in humanitarian assistance for Cuba, where oil \
        sanctions and fuel shortages have left households facing long blackouts. Officials said the aid would be \
        distributed through church groups rather than the government, and that deliveries would begin next month.
        """

    @Test("an id or a headline and body seen before is an exact duplicate, also across a restart")
    func exactDuplicates() async throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let detector = try DuplicateDetector(path: path)
        let first = story("a", "Aid for Cuba", body)
        let verdicts = try await detector.classify([first, story("a", "Other", "Other"), story("b", "AID  for cuba!", body)])
        guard case .fresh(let kept) = verdicts[0] else { Issue.record("the first story is not fresh"); return }
        #expect(kept.clusterID == "a")
        #expect(verdicts[1] == .duplicate(of: "a"))
        #expect(verdicts[2] == .duplicate(of: "a"))
        try await detector.record([kept])
        let reopened = try DuplicateDetector(path: path)
        #expect(try await reopened.classify([story("c", "Aid for Cuba", body)]) == [.duplicate(of: "a")])
    }

    @Test("a copy with small edits joins the first story's cluster; a different story does not")
    func nearDuplicates() async throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let detector = try DuplicateDetector(path: path)
        guard case .fresh(let first) = try await detector.classify([story("wire-1", "US adds aid for Cuba", body)])[0] else {
            Issue.record("not fresh")
            return
        }
        try await detector.record([first])
        let edited = body.replacingOccurrences(of: "next month", with: "in the coming weeks")
        let verdicts = try await detector.classify([
            story("outlet-2", "US adds aid for Cuba", edited),
            story("other", "Storm closes schools", "Snow fell across the region overnight and schools stayed closed on Monday."),
        ])
        guard case .fresh(let copy) = verdicts[0], case .fresh(let other) = verdicts[1] else {
            Issue.record("near duplicates are kept, not dropped")
            return
        }
        #expect(copy.clusterID == "wire-1")
        #expect(other.clusterID == "other")
    }
}

@Suite("Clustering with controlled edits")
struct ClusteringEvaluationTests {
    /// The project's own stories with a body of at least 25 words, as evaluation bases.
    static func bases() throws -> [Story] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var files = [root.appendingPathComponent("seeds/stories.jsonl"), root.appendingPathComponent("seeds/labelled.jsonl")]
        let topics = root.appendingPathComponent("data/topics")
        files += try FileManager.default.contentsOfDirectory(at: topics, includingPropertiesForKeys: nil).filter { $0.pathExtension == "jsonl" }
        var stories: [Story] = []
        for file in files.sorted(by: { $0.path < $1.path }) {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
                guard let id = object["id"] as? String, let headline = object["headline"] as? String,
                    let body = object["body"] as? String, body.split(separator: " ").count >= 25
                else { continue }
                stories.append(Story(id: id, headline: headline, body: body))
            }
        }
        return stories
    }

    @Test("copies with up to 10 % of their words edited join the first copy's cluster, and only they", arguments: [0.0, 0.05, 0.10])
    func editedCopies(editRate: Double) async throws {
        let bases = try Self.bases()
        #expect(bases.count >= 50)
        let result = try await ClusteringEvaluation(stories: bases, copiesPerStory: 4).run(
            editRate: editRate, directory: NSTemporaryDirectory() + "clusters-\(UUID().uuidString)")
        print(result)
        #expect(result.precision >= 0.99, "\(result)")
        #expect(result.recall >= 0.95, "\(result)")
    }

    @Test("300 copies of one story, each with a marker word, one added sentence, another URL and source, are one cluster")
    func manyCopiesOneCluster() async throws {
        let directory = NSTemporaryDirectory() + "clusters-\(UUID().uuidString)"
        let detector = try DuplicateDetector(path: directory + "/duplicates.sqlite")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let body = """
            Harbour officials in Mombasa said on Tuesday that a new berth for container ships would open in March, \
            doubling the number of vessels the port can unload at once. The work, paid for by a loan from a regional \
            development bank, took three years and employed about two thousand people. Shipping lines had complained \
            for months about queues of up to a week outside the harbour.
            """
        let added = [
            "A spokesman said more cranes would follow.", "Traders welcomed the news.", "The ministry declined to comment.",
            "Local fishermen asked for a separate landing site.", "Rail links to Nairobi are also being upgraded.",
        ]
        var clusters = Set<String>()
        for copy in 0..<300 {
            let story = Story(
                id: "copy-\(copy)", headline: "Mombasa port opens new berth marker\(copy)", body: body + " " + added[copy % added.count],
                url: "https://outlet\(copy).example/port", source: "Outlet \(copy)")
            guard case .fresh(let kept) = try await detector.classify([story])[0] else {
                Issue.record("copy \(copy) was taken for an exact duplicate")
                continue
            }
            clusters.insert(kept.clusterID ?? kept.id)
            try await detector.record([kept])
        }
        #expect(clusters == ["copy-0"])
    }
}
