import ArgumentParser
import Gateway

/// The `gateway` executable: all of its logic lives in the Gateway library.
@main
struct GatewayMain {
    static func main() async { await GatewayCommand.main() }
}
