import ArgumentParser
import NewsCtlCommands

/// The `newsctl` executable: all of its logic lives in the NewsCtlCommands library.
@main
struct NewsctlMain {
    static func main() async {
        NewsctlCommand.bootstrapLogging()
        await NewsctlCommand.main()
    }
}
