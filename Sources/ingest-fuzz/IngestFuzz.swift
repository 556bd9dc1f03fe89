import Foundation
import IngestStage

// `make fuzz` builds this with `--sanitize fuzzer -DFUZZING`: libFuzzer supplies main() and calls
// LLVMFuzzerTestOneInput with generated inputs. Built normally, it replays the files it is given
// (the crash inputs kept in Tests/StageTests/FuzzInputs), which is also how a crash is reproduced.

#if FUZZING
/// libFuzzer's entry point: one input through every parser.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    guard let bytes else { return 0 }
    UntrustedInput.parseAll(Data(bytes: bytes, count: count))
    return 0
}
#else
@main
struct IngestFuzzReplay {
    static func main() throws {
        let paths = CommandLine.arguments.dropFirst()
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: ingest-fuzz FILE... (replays inputs; `make fuzz` fuzzes)\n".utf8))
            exit(2)
        }
        for path in paths {
            let stories = UntrustedInput.parseAll(try Data(contentsOf: URL(fileURLWithPath: path)))
            print("\(path): \(stories) stories")
        }
    }
}
#endif
