import Foundation
import HTTPTypes
import Hummingbird
import NewsModel
import NewsTransport

/// The request context of every gateway route: Hummingbird's basics with room for a 16 MiB document.
public struct GatewayContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// A story file or feed may be as large as ingest takes.
    public var maxUploadSize: Int { StoryLimits.documentBytes + (1 << 20) }

    /// Creates a context for one request.
    public init(source: Source) {
        coreContext = .init(source: source)
    }
}

/// JSON responses in the pipeline's own encoding (RFC 3339 dates), as `newsctl --json` prints them.
enum JSONResponse {
    static let encoder = JSONCoding.encoder()

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// The REST API under `/v1`: every route asks the stages over their control sockets as `newsctl`
/// does, scoped to the caller's token (docs/openapi.yaml describes each).
struct APIRoutes: Sendable {
    let stages: StageCalls
    let authenticator: Authenticator

    func register(on router: Router<GatewayContext>) {
        let v1 = router.group("v1")
        v1.get("status") { request, _ in try await status(request) }
        v1.post("stories") { request, context in try await submit(request, context: context) }
        v1.get("search") { request, _ in try await search(request) }
        v1.get("subscriptions") { request, _ in try await listSubscriptions(request) }
        v1.post("subscriptions") { request, context in try await subscribe(request, context: context) }
        v1.get("subscriptions/:id") { request, context in try await subscription(request, id: try context.parameters.require("id")) }
        v1.delete("subscriptions/:id") { request, context in try await unsubscribe(request, id: try context.parameters.require("id")) }
        v1.patch("subscriptions/:id") { request, context in try await updateSubscription(request, context: context, id: try context.parameters.require("id")) }
        v1.get("subscriptions/:id/digest") { request, context in try await digest(request, id: try context.parameters.require("id"), action: .preview) }
        v1.post("subscriptions/:id/digest") { request, context in try await digest(request, id: try context.parameters.require("id"), action: .send) }
        v1.get("alerts") { request, _ in try await alerts(request) }
        v1.get("deliveries") { request, _ in try await deliveries(request) }
        v1.post("deliveries/replay") { request, context in try await replay(request, context: context) }
        v1.get("feeds") { request, _ in try await feeds(request) }
        v1.post("feeds") { request, context in try await addFeed(request, context: context) }
        v1.delete("feeds") { request, _ in try await removeFeed(request) }
        v1.get("tokens") { request, _ in try await tokens(request) }
        v1.post("tokens") { request, context in try await createToken(request, context: context) }
        v1.delete("tokens/:id") { request, context in try await revokeToken(request, id: try context.parameters.require("id")) }
    }

    // MARK: - Reading requests

    static func body(_ request: Request, context: GatewayContext) async throws(APIProblem) -> Data {
        do {
            var request = request
            let buffer = try await request.collectBody(upTo: context.maxUploadSize)
            return Data(buffer.readableBytesView)
        } catch {
            throw APIProblem(.contentTooLarge, "too_large", "the body is larger than \(context.maxUploadSize) bytes or could not be read")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, context: GatewayContext) async throws(APIProblem) -> T {
        try decode(type, from: try await body(request, context: context))
    }

    /// A JSON body already read, as `type`.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(APIProblem) -> T {
        do {
            return try JSONCoding.decoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw APIProblem(.badRequest, "bad_request", "the JSON body does not fit: \(DecodingErrorText.describe(error))")
        } catch {
            throw APIProblem(.badRequest, "bad_request", "the body is not JSON: \(error)")
        }
    }

    static func integer(_ request: Request, _ name: String, default value: Int, in range: ClosedRange<Int>) throws(APIProblem) -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIProblem(.badRequest, "bad_request", "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    // MARK: - Routes

    func status(_ request: Request) async throws -> Response {
        _ = try await authenticator.caller(request, needs: .read)
        struct Replica: Encodable {
            var endpoint: String
            var status: StageStatus?
            var error: String?
        }
        var stagesStatus: [String: [Replica]] = [:]
        for stage in PipelineLayout.stages {
            stagesStatus[stage] = await stages.statuses(stage).map { Replica(endpoint: $0.endpoint, status: $0.status, error: $0.error) }
        }
        return try JSONResponse.make(["stages": stagesStatus])
    }

    /// `POST /v1/stories`: one JSON story, JSON Lines (`application/x-ndjson`), or any document ingest
    /// reads (RSS, Atom, JSON Feed, a story file, a digest), answered after ingest's journal commit.
    func submit(_ request: Request, context: GatewayContext) async throws -> Response {
        _ = try await authenticator.caller(request, needs: .publish)
        let data = try await Self.body(request, context: context)
        let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let result: SubmitResult
        switch type {
        case "application/x-ndjson", "application/jsonl", "application/json-lines":
            let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let trimmed = lines.last == "" ? Array(lines.dropLast()) : lines
            guard trimmed.count <= StoryLimits.linesPerRequest else {
                throw APIProblem(.contentTooLarge, "too_large", "at most \(StoryLimits.linesPerRequest) lines per request")
            }
            result = try await stages.call(
                "ingest", .submit(SubmitRequest(source: "http", firstLine: 1, lines: trimmed)), as: SubmitResult.self, write: true)
        case "application/json":
            let line = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !line.contains("\n") || (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
                throw APIProblem(.badRequest, "bad_request", "application/json takes one story object; send several as application/x-ndjson")
            }
            let compact = (try? JSONSerialization.jsonObject(with: data)).flatMap { try? JSONSerialization.data(withJSONObject: $0) }
                .map { String(decoding: $0, as: UTF8.self) } ?? line
            result = try await stages.call(
                "ingest", .submit(SubmitRequest(source: "http", firstLine: 1, lines: [compact])), as: SubmitResult.self, write: true)
        default:
            result = try await stages.call(
                "ingest", .submitDocument(SubmitDocumentRequest(source: "http", data: data)), as: SubmitResult.self, write: true)
        }
        struct Counts: Encodable {
            var accepted: Int
            var skipped: Int
            var refused: Int
            var lines: SubmitResult
        }
        return try JSONResponse.make(
            Counts(accepted: result.accepted.count, skipped: result.duplicates.count, refused: result.refused.count, lines: result),
            status: result.accepted.isEmpty && result.duplicates.isEmpty && !result.refused.isEmpty ? .unprocessableContent : .ok)
    }

    func search(_ request: Request) async throws -> Response {
        _ = try await authenticator.caller(request, needs: .read)
        guard let text = request.uri.queryParameters.get("q"), !text.isEmpty else {
            throw APIProblem(.badRequest, "bad_request", "give the query as q=, in the query language (docs/QUERY.md)")
        }
        _ = try APIProblem.parsed(text)
        let sortText = request.uri.queryParameters.get("sort") ?? "relevance"
        guard let sort = SearchRequest.Sort(rawValue: sortText) else {
            throw APIProblem(.badRequest, "bad_request", "sort is relevance or date, not \(sortText)")
        }
        let limit = try Self.integer(request, "limit", default: 10, in: 1...1000)
        let offset = try Self.integer(request, "offset", default: 0, in: 0...100_000)
        let result = try await stages.call(
            "index", .search(SearchRequest(query: text, limit: limit, offset: offset, sort: sort)), as: SearchResult.self)
        return try JSONResponse.make(result)
    }

    func listSubscriptions(_ request: Request) async throws -> Response {
        let caller = try await authenticator.caller(request, needs: .read)
        let subscriptions = try await stages.call("notify", .listSubscriptions(OwnerScope(owner: caller.ownerFilter)), as: [Subscription].self)
        return try JSONResponse.make(subscriptions)
    }

    /// What `POST /v1/subscriptions` takes.
    struct SubscribeBody: Decodable {
        var query: String
        var webhook: String?
        /// standard (signed), slack, teams or ntfy.
        var webhookFormat: WebhookFormat?
        /// An address to e-mail each alert to, instead of a webhook.
        var email: String?
        /// A window such as `7d`: also alert on the stored stories of that window.
        var backfill: String?
        /// Count what the window (`backfill`, default 7d) would have matched, and save nothing.
        var dryRun: Bool?
        /// alert (the default), spike or silence.
        var kind: SubscriptionKind?
        /// A silence subscription's factor.
        var silenceFactor: Double?
        // The delivery fields and sensitivity are read from the same body as a SubscriptionUpdateBody.
    }

    func subscribe(_ request: Request, context: GatewayContext) async throws -> Response {
        let caller = try await authenticator.caller(request, needs: .subscribe)
        let data = try await Self.body(request, context: context)
        let body = try Self.decode(SubscribeBody.self, from: data)
        let delivery = try Self.decode(SubscriptionUpdateBody.self, from: data)
        let schedule: DeliverySchedule?
        do { schedule = try delivery.request(id: "new", owner: nil).newSchedule() } catch { throw APIProblem(.badRequest, "bad_request", error.message) }
        _ = try APIProblem.parsed(body.query)
        var seconds: Int?
        if let backfill = body.backfill {
            guard let window = DateBound.window(backfill) else {
                throw APIProblem(.badRequest, "bad_request", "backfill takes a window such as 30m, 24h, 7d or 2w, not \(backfill)")
            }
            seconds = window
        }
        if body.dryRun == true {
            let window = DateBound.describe(seconds: seconds ?? 7 * 86_400)
            let result = try await stages.call(
                "index", .search(SearchRequest(query: "(\(body.query)) since:\(window)", limit: 5, sort: .date)), as: SearchResult.self)
            struct DryRun: Encodable {
                var dryRun = true
                var window: String
                var total: Int
                var latest: [SearchHit]
            }
            return try JSONResponse.make(DryRun(window: window, total: result.total, latest: result.hits))
        }
        let result = try await stages.call(
            "notify",
            .subscribe(
                SubscribeRequest(
                    query: body.query, webhook: body.webhook, backfillSeconds: seconds, owner: caller.token.owner, webhookFormat: body.webhookFormat,
                    email: body.email, kind: body.kind, delivery: schedule, sensitivity: delivery.sensitivity, silenceFactor: body.silenceFactor)),
            as: SubscribeResult.self, write: seconds != nil)
        return try JSONResponse.make(result, status: result.created ? .created : .ok)
    }

    func subscription(_ request: Request, id: String) async throws -> Response {
        let caller = try await authenticator.caller(request, needs: .read)
        let subscriptions = try await stages.call("notify", .listSubscriptions(OwnerScope(owner: caller.ownerFilter)), as: [Subscription].self)
        guard let found = subscriptions.first(where: { $0.id == id }) else {
            throw APIProblem(.notFound, "not_found", "no subscription \(id)")
        }
        return try JSONResponse.make(found)
    }

    func unsubscribe(_ request: Request, id: String) async throws -> Response {
        let caller = try await authenticator.caller(request, needs: .subscribe)
        let removed = try await stages.call("notify", .unsubscribe(id: id, owner: caller.ownerFilter), as: Subscription.self)
        return try JSONResponse.make(removed)
    }

    /// What `PATCH /v1/subscriptions/{id}` takes, and the same fields of `POST /v1/subscriptions`: how
    /// alerts are delivered, and a spike or silence subscription's sensitivity.
    struct SubscriptionUpdateBody: Decodable {
        var digest: String?
        var timeZone: String?
        var maxPerHour: Int?
        var quietHours: String?
        var updates: Bool?
        var sensitivity: WatchSensitivity?

        /// The fields as the protocol carries them.
        func request(id: String, owner: String?) -> SubscriptionUpdateRequest {
            SubscriptionUpdateRequest(
                id: id, owner: owner, digest: digest, timeZone: timeZone, maxPerHour: maxPerHour, quietHours: quietHours, updates: updates,
                sensitivity: sensitivity)
        }
    }

    func updateSubscription(_ request: Request, context: GatewayContext, id: String) async throws -> Response {
        let caller = try await authenticator.caller(request, needs: .subscribe)
        let body = try await Self.decode(SubscriptionUpdateBody.self, request, context: context)
        let update = body.request(id: id, owner: caller.ownerFilter)
        return try JSONResponse.make(try await stages.call("notify", .updateSubscription(update), as: Subscription.self, write: true))
    }

    func digest(_ request: Request, id: String, action: DigestRequest.Action) async throws -> Response {
        let caller = try await authenticator.caller(request, needs: action == .send ? .subscribe : .read)
        let reply = try await stages.call(
            "notify", .digest(DigestRequest(id: id, owner: caller.ownerFilter, action: action)), as: DigestReply.self, write: action == .send)
        return try JSONResponse.make(reply)
    }

    func alerts(_ request: Request) async throws -> Response {
        let caller = try await authenticator.caller(request, needs: .read)
        let limit = try Self.integer(request, "limit", default: 20, in: 1...1000)
        let alerts = try await stages.call(
            "notify",
            .listAlerts(AlertsRequest(subscriptionID: request.uri.queryParameters.get("subscription"), limit: limit, owner: caller.ownerFilter)),
            as: [Alert].self)
        return try JSONResponse.make(alerts)
    }

    func deliveries(_ request: Request) async throws -> Response {
        let caller = try await authenticator.caller(request, needs: .read)
        let limit = try Self.integer(request, "limit", default: 50, in: 1...1000)
        var state: DeliveryState?
        if let text = request.uri.queryParameters.get("state") {
            guard let parsed = DeliveryState(rawValue: text) else {
                throw APIProblem(.badRequest, "bad_request", "state is pending, delivered or dead, not \(text)")
            }
            state = parsed
        }
        let deliveries = try await stages.call(
            "notify", .listDeliveries(DeliveriesRequest(state: state, limit: limit, owner: caller.ownerFilter)), as: [WebhookDelivery].self)
        return try JSONResponse.make(deliveries)
    }

    func replay(_ request: Request, context: GatewayContext) async throws -> Response {
        let caller = try await authenticator.caller(request, needs: .subscribe)
        struct Body: Decodable { var id: String? }
        let body = try await Self.decode(Body.self, request, context: context)
        let result = try await stages.call(
            "notify", .replayDeliveries(ReplayRequest(id: body.id, owner: caller.ownerFilter)), as: ReplayResult.self)
        return try JSONResponse.make(result)
    }

    func feeds(_ request: Request) async throws -> Response {
        _ = try await authenticator.caller(request, needs: .admin)
        // A list missing a replica's feeds would look complete to a program: it gets the problem instead
        // (the console shows what it has, and says which replica is missing).
        let listing = try await stages.allFeeds()
        if let missing = listing.unanswered.first {
            throw APIProblem(missing.problem.status, missing.problem.title, "\(missing.endpoint): \(missing.problem.detail); its feeds cannot be listed")
        }
        return try JSONResponse.make(listing.feeds)
    }

    func addFeed(_ request: Request, context: GatewayContext) async throws -> Response {
        _ = try await authenticator.caller(request, needs: .admin)
        struct Body: Decodable {
            var url: String
            var intervalSeconds: Int?
            var name: String?
        }
        let body = try await Self.decode(Body.self, request, context: context)
        let feed = try await stages.call(
            "ingest", .addFeed(FeedAddRequest(url: body.url, intervalSeconds: body.intervalSeconds ?? PolledFeed.defaultIntervalSeconds, name: body.name)), as: PolledFeed.self)
        return try JSONResponse.make(feed, status: .created)
    }

    func removeFeed(_ request: Request) async throws -> Response {
        _ = try await authenticator.caller(request, needs: .admin)
        guard let url = request.uri.queryParameters.get("url") else {
            throw APIProblem(.badRequest, "bad_request", "give the feed as url=")
        }
        return try JSONResponse.make(try await stages.removeFeed(url))
    }

    func tokens(_ request: Request) async throws -> Response {
        _ = try await authenticator.caller(request, needs: .admin)
        return try JSONResponse.make(try await stages.call("notify", .listTokens, as: [APIToken].self))
    }

    func createToken(_ request: Request, context: GatewayContext) async throws -> Response {
        _ = try await authenticator.caller(request, needs: .admin)
        let body = try await Self.decode(TokenCreateRequest.self, request, context: context)
        return try JSONResponse.make(try await stages.call("notify", .createToken(body), as: TokenCreateResult.self), status: .created)
    }

    func revokeToken(_ request: Request, id: String) async throws -> Response {
        _ = try await authenticator.caller(request, needs: .admin)
        return try JSONResponse.make(try await stages.call("notify", .revokeToken(id: id), as: APIToken.self))
    }
}
