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
