import Foundation
import Testing

/// `tag parse`: the tagger as a standalone program, run as a real process.
@Suite("tag parse", .timeLimit(.minutes(1)))
struct TagParseTests {
    @Test("input stories come out tagged with entities, offsets, topics and reasons; a bad line is reported")
    func tagsStories() async throws {
        try await PipelineHarness.with { pipeline in
            let file = try pipeline.write(
                "labelled.jsonl",
                [
                    #"{"id": "t1", "headline": "New tariffs on countries trading with Iran", "body": "The order targets importers of Iranian oil.", "labels": ["trade"]}"#,
                    #"{"headline": "missing body"}"#,
                    #"{"id": "t2", "headline": "Snow closes schools", "body": "A storm crossed the region overnight."}"#,
                ].joined(separator: "\n") + "\n")
            let parse = try pipeline.startProcess(
                name: "tag-parse", executable: pipeline.executable("tag"), arguments: ["parse", file.path])
            #expect(await parse.waitForExit(timeout: .seconds(30)) == 1, "a refused line makes the exit status 1")
            #expect(parse.stderr.contains("labelled.jsonl:2: refused: missing required field \"body\""), "\(parse.stderr)")
            let tagged = parse.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            #expect(tagged.count == 2)
            let first = try #require(tagged.first)
            #expect((first["story"] as? [String: Any])?["id"] as? String == "t1")
            let entities = first["entities"] as? [[String: Any]] ?? []
            let iran = try #require(entities.first { $0["name"] as? String == "Iran" }, "\(entities)")
            #expect(iran["type"] as? String == "place" && iran["id"] as? String == "iso3166:IR" && iran["reason"] != nil)
            let mention = try #require((iran["mentions"] as? [[String: Any]])?.first)
            #expect(mention["field"] as? String == "headline")
            #expect(mention["start"] as? Int == 38 && mention["end"] as? Int == 42)
            let topics = first["topics"] as? [[String: Any]] ?? []
            #expect(topics.contains { ($0["label"] as? String) == "International trade" && ($0["reason"] as? String)?.contains("tariffs") == true }, "\(topics)")
        }
    }
}

/// `tag train` and `tag eval` as real processes.
@Suite("tag train and eval", .timeLimit(.minutes(2)))
struct TagTrainTests {
    @Test("a model trained on labelled stories is evaluated as JSON with micro- and macro-F1")
    func trainAndEvaluate() async throws {
        try await PipelineHarness.with { pipeline in
            var lines: [String] = []
            let topics = [("trade", "tariffs imports exports customs duties"), ("weather", "snow storm rain wind forecast")]
            for index in 0..<40 {
                let (label, words) = topics[index % 2]
                lines.append(#"{"id": "l\#(index)", "headline": "Story \#(index) on \#(words.split(separator: " ")[index % 5])", "body": "\#(words) reported \#(index)", "labels": ["\#(label)"]}"#)
            }
            let data = try pipeline.write("labelled.jsonl", lines.joined(separator: "\n") + "\n")
            let model = pipeline.runDirectory.appendingPathComponent("topics.model").path
            let train = try pipeline.startProcess(
                name: "train", executable: pipeline.executable("tag"), arguments: ["train", "--data", data.path, "--out", model, "--bits", "14"])
            #expect(await train.waitForExit(timeout: .seconds(60)) == 0, "\(train.stderr)")
            #expect(train.stderr.contains("trained on 40 stories, 2 labels"))
            let eval = try pipeline.startProcess(
                name: "eval", executable: pipeline.executable("tag"), arguments: ["eval", "--json", "--data", data.path, "--model", model])
            #expect(await eval.waitForExit(timeout: .seconds(60)) == 0, "\(eval.stderr)")
            let result = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
            #expect((result["microF1"] as? Double ?? 0) > 0.9 && (result["macroF1"] as? Double ?? 0) > 0.9, "\(result)")

            let missing = try pipeline.startProcess(
                name: "eval-missing", executable: pipeline.executable("tag"),
                arguments: ["eval", "--data", data.path, "--model", data.path])
            #expect(await missing.waitForExit(timeout: .seconds(30)) != 0)
            #expect(missing.stderr.contains("not a classifier model"), "\(missing.stderr)")
        }
    }
}
