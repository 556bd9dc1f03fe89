import ArgumentParser
import IngestStage

/// The `ingest` executable: all of its logic lives in the IngestStage library.
@main
struct IngestMain {
    static func main() async { await IngestCommand.main() }
}
