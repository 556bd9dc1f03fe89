import Foundation
import Testing

/// Copies of one story through the real stages: one cluster, so one alert per subscription, live and
/// in backfill.
@Suite("One story, one alert", .timeLimit(.minutes(2)))
struct ClusterAlertTests {
    static let body =
        "Harbour officials in Mombasa said on Tuesday that a new berth for container ships would open in March, "
        + "doubling the number of vessels the port can unload at once. The work, paid for by a loan from a regional "
        + "development bank, took three years and employed about two thousand people. Shipping lines had complained "
        + "for months about queues of up to a week outside the harbour."
    static let added = [
        "A spokesman said more cranes would follow.", "Traders welcomed the news.", "The ministry declined to comment.",
        "Local fishermen asked for a separate landing site.", "Rail links to Nairobi are also being upgraded.",
    ]

    @Test("forty copies with a marker word, a sentence added and another URL and source alert a live and a backfilled subscriber once each")
    func copiesAlertOnce() async throws {
        try await PipelineHarness.with { pipeline in
            try await pipeline.startAll()
            let live = try await pipeline.newsctl("subscribe", ["mombasa AND berth"])
            #expect(live.status == 0, "\(live.stderr)")
            let liveID = live.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            let lines = (0..<40).map { copy -> String in
                let story: [String: Any] = [
                    "id": "copy-\(copy)", "headline": "Mombasa port opens new berth marker\(copy)",
                    "body": Self.body + " " + Self.added[copy % Self.added.count],
                    "url": "https://outlet\(copy).example/port", "source": "Outlet \(copy)",
                ]
                return String(decoding: try! JSONSerialization.data(withJSONObject: story, options: [.sortedKeys]), as: UTF8.self)
            }
            let file = try pipeline.write("copies.jsonl", lines.joined(separator: "\n") + "\n")
            let publish = try await pipeline.newsctl("publish", [file.path])
            #expect(publish.status == 0, "\(publish.stderr)")
            #expect(publish.stdout.contains("published 40 stories"), "near duplicates are kept, not dropped: \(publish.stdout)")
            #expect(try await eventually { try await pipeline.counter("index", "indexed") >= 40 }, "\(pipeline.logs())")

            let backfilled = try await pipeline.newsctl("subscribe", ["--backfill", "1h", "mombasa AND berth"])
            #expect(backfilled.status == 0, "\(backfilled.stderr)")
            let backfillID = backfilled.stdout.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""

            func alerts(_ id: String) async throws -> [[String: Any]] {
                let result = try await pipeline.newsctl("alerts", ["--json", "--limit", "1000", id])
                return result.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            }
            #expect(
                try await eventually {
                    let liveCount = try await alerts(liveID).count
                    let backfillCount = try await alerts(backfillID).count
                    return liveCount >= 1 && backfillCount >= 1
                }, "\(pipeline.logs())")
            // Late copies and the backfill's second pass have had their chance to add alerts.
            try await Task.sleep(for: .seconds(3))
            let liveAlerts = try await alerts(liveID)
            let backfillAlerts = try await alerts(backfillID)
            #expect(liveAlerts.count == 1, "the live subscriber got \(liveAlerts.count) alerts for one story")
            #expect(backfillAlerts.count == 1, "the backfilled subscriber got \(backfillAlerts.count) alerts for one story")
            #expect((liveAlerts.first?["story"] as? [String: Any])?["id"] as? String == "copy-0")
        }
    }
}
