import ArgumentParser
import NotifyStage

/// The `notify` executable: all of its logic lives in the NotifyStage library.
@main
struct NotifyMain {
    static func main() async { await NotifyCommand.main() }
}
