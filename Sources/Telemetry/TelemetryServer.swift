import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Whether a process is ready: connected to what it needs, with a line saying what is missing.
public struct Readiness: Sendable, Encodable {
    /// True when the process can do its work.
    public var ready: Bool
    /// What is missing, or what it is connected to.
    public var detail: String

    /// Creates a readiness report.
    public init(ready: Bool, detail: String) {
        self.ready = ready
        self.detail = detail
    }
}

/// A stage replica's HTTP side door for operators: `/metrics` (Prometheus text), `/healthz` (the
/// process is alive) and `/readyz` (it is connected to what it needs), on the address `--metrics`
/// gives. A service in the stage's group, stopped with it.
public struct TelemetryServer: Service {
    /// The host and port to listen on (port 0: any free one; the bound address is logged and written
    /// to `addressFile`).
    public let host: String
    public let port: Int
    /// Where to write `http://host:port` once listening, for `make run` and tests.
    public let addressFile: String?
    /// Answers `/readyz`.
    public let readiness: @Sendable () async -> Readiness
    /// Brings gauges up to date just before a scrape.
    public let beforeScrape: @Sendable () async -> Void
    public let logger: Logger

    /// Creates the server.
    public init(
        host: String, port: Int, addressFile: String?, logger: Logger, readiness: @escaping @Sendable () async -> Readiness,
        beforeScrape: @escaping @Sendable () async -> Void = {}
    ) {
        self.host = host
        self.port = port
        self.addressFile = addressFile
        self.logger = logger
        self.readiness = readiness
        self.beforeScrape = beforeScrape
    }

    /// `host:port`, or nil when it is not one.
    public static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }

    /// The routes, for a server of its own or for the gateway's.
    public static func register<Context: RequestContext>(
        on router: Router<Context>, readiness: @escaping @Sendable () async -> Readiness, beforeScrape: @escaping @Sendable () async -> Void
    ) {
        router.get("metrics") { _, _ in
            await beforeScrape()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: Telemetry.exposition())))
        }
        router.get("healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"status":"alive"}"#)))
        }
        router.get("readyz") { _, _ in
            let report = await readiness()
            let body = try JSONEncoder().encode(report)
            return Response(
                status: report.ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
    }

    public func run() async throws {
        let router = Router()
        Self.register(on: router, readiness: readiness, beforeScrape: beforeScrape)
        let logger = self.logger
        let addressFile = self.addressFile
        let host = self.host
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "news-metrics"),
            onServerRunning: { channel in
                let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(channel.localAddress?.port ?? 0)"
                if let addressFile { try? (url + "\n").write(toFile: addressFile, atomically: true, encoding: .utf8) }
                logger.info("metrics at \(url)/metrics")
            },
            logger: logger)
        defer { if let addressFile { unlink(addressFile) } }
        try await app.runService()
    }
}
