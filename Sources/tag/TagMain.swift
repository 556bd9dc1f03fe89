import ArgumentParser
import TagStage

/// The `tag` executable: all of its logic lives in the TagStage library.
@main
struct TagMain {
    static func main() async { await TagCommand.main() }
}
