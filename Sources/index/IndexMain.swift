import ArgumentParser
import IndexStage

/// The `index` executable: all of its logic lives in the IndexStage library.
@main
struct IndexMain {
    static func main() async { await IndexCommand.main() }
}
