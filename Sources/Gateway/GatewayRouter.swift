import Foundation
import Hummingbird
import Logging
import NewsModel
import NewsTransport
import Telemetry

/// Every route the gateway serves: health, the API document, the REST API, the live streams and the
/// web console.
enum GatewayRouter {
    static func make(stages: StageCalls, streamStall: Duration, openStreams: OpenStreams, logger: Logger) -> Router<GatewayContext> {
        let router = Router(context: GatewayContext.self)
        // Requests by route, method and status, and their durations, at /metrics.
        router.add(middleware: MetricsMiddleware())
        let authenticator = Authenticator(stages: stages)
        router.get("healthz") { _, _ in try JSONResponse.make(["status": "alive"]) }
        router.get("readyz") { _, _ in try await readiness(stages) }
        router.get("openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: try openAPIDocument())))
        }
        APIRoutes(stages: stages, authenticator: authenticator).register(on: router)
        LiveStreams(stages: stages, authenticator: authenticator, stallLimit: streamStall, openStreams: openStreams, logger: logger).register(on: router)
        ConsoleRoutes(stages: stages, authenticator: authenticator).register(on: router)
        UnsubscribeRoutes(stages: stages).register(on: router)
        return router
    }

    /// The OpenAPI document, as the gateway's resources carry it (docs/openapi.yaml is the same file).
    static func openAPIDocument() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw APIProblem(.internalServerError, "internal", "the gateway was built without its openapi.yaml")
        }
        return try Data(contentsOf: url)
    }

    /// Which of the stages the gateway needs have a replica answering.
    static func stagesReady(_ stages: StageCalls) async -> [String: Bool] {
        var ready: [String: Bool] = [:]
        for stage in ["ingest", "index", "notify"] {
            ready[stage] = await stages.statuses(stage).contains { $0.status != nil }
        }
        return ready
    }

    /// Readiness for the metrics side door.
    static func readinessReport(_ stages: StageCalls) async -> Readiness {
        let ready = await stagesReady(stages)
        let missing = ready.filter { !$0.value }.keys.sorted()
        return Readiness(ready: missing.isEmpty, detail: missing.isEmpty ? "ingest, index and notify answer" : "not answering: \(missing)")
    }

    /// 200 when notify (tokens), index (search) and ingest (stories) each have a replica answering.
    static func readiness(_ stages: StageCalls) async throws -> Response {
        let stagesReady = await stagesReady(stages)
        let ready = stagesReady.values.allSatisfy { $0 }
        struct Readiness: Encodable {
            var ready: Bool
            var stages: [String: Bool]
        }
        return try JSONResponse.make(Readiness(ready: ready, stages: stagesReady), status: ready ? .ok : .serviceUnavailable)
    }
}
