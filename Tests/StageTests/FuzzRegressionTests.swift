import Foundation
import IngestStage
import Testing

/// Every input in FuzzInputs/ (the fuzzer's seeds and each crash input `make fuzz` has found) goes
/// through every parser ingest runs on untrusted bytes, in this process: a crash fails the run.
@Suite("Fuzz inputs replayed")
struct FuzzRegressionTests {
    static var inputs: [URL] {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzInputs")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test("the kept inputs are there")
    func inputsExist() {
        #expect(Self.inputs.count >= 8)
        #expect(Self.inputs.contains { $0.lastPathComponent == "sigill-invalid-utf8-element.xml" })
    }

    @Test("each kept input parses or fails cleanly", arguments: inputs)
    func replay(_ input: URL) throws {
        let data = try Data(contentsOf: input)
        let stories = UntrustedInput.parseAll(data)
        if input.lastPathComponent.hasPrefix("seed-") {
            #expect(stories >= 1, "a seed document reads as at least one story")
        }
    }
}
