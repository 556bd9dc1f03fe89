import AsyncAlgorithms
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import NewsModel
import NewsTransport
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// `GET /v1/alerts/stream` and `GET /v1/stories/stream`: what notify and tag put on their reliable
/// feeds, as Server-Sent Events (or JSON Lines with `?format=jsonl`), each event's id a
/// ``StreamCursor``. Every stream is a non-durable reader of the feeds of every replica, so any number
/// of gateways serve any number of streams, and a stream given a cursor resumes right after it from
/// the journals, across a gateway restart, with nothing missed and nothing twice.
///
/// A slow client is cut off: when it takes no event for ``stallLimit`` (its connection's buffers full),
/// the stream ends with a last `cut` event that carries the cursor to resume from. Until then it holds
/// at most the feed reader's window (512 messages) in memory, however far behind it is.
struct LiveStreams: Sendable {
    let stages: StageCalls
    let authenticator: Authenticator
    /// How long a client may take no event before it is cut off.
    let stallLimit: Duration
    /// Every stream now open, ended together when the gateway stops.
    let openStreams: OpenStreams
    let logger: Logger
    /// The most streams one gateway serves: each is a reader group on every producer, which keeps 64.
    static let maxStreams = 48
    /// The most streams one token may have open.
    static let maxStreamsPerToken = 8
    /// How long a new stream waits for every replica's feed to register its reader before it opens
    /// anyway (a replica that is down joins when it is back).
    static let joinLimit: Duration = .seconds(3)
    /// How often a quiet stream sends a comment, so proxies and clients know it is alive.
    static let keepAliveInterval: Duration = .seconds(15)

    func register(on router: Router<GatewayContext>) {
        router.get("v1/alerts/stream") { request, _ in try await alerts(request) }
        router.get("v1/stories/stream") { request, _ in try await stories(request) }
    }

    enum Format {
        case serverSentEvents, jsonLines
    }

    /// One thing to write to the client.
    enum Item: Sendable {
        /// The stream's first item: its reader has joined every feed, and `cursor` is where it started.
        case connected(cursor: String)
        case event(name: String, cursor: String, data: Data)
        case keepAlive
    }

    static func format(_ request: Request) throws(APIProblem) -> Format {
        switch request.uri.queryParameters.get("format") ?? "sse" {
        case "sse": return .serverSentEvents
        case "jsonl": return .jsonLines
        case let other: throw APIProblem(.badRequest, "bad_request", "format is sse or jsonl, not \(other)")
        }
    }

    static func cursor(_ request: Request) throws(APIProblem) -> StreamCursor? {
        let since = request.uri.queryParameters.get("since").map { String($0) }
        guard let text = request.headers[HTTPField.Name("Last-Event-ID")!] ?? since else { return nil }
        guard let cursor = StreamCursor(text) else {
            throw APIProblem(.badRequest, "bad_cursor", "\(text) is not a stream cursor (an event id such as notify-0:1234)")
        }
        return cursor
    }

    func alerts(_ request: Request) async throws -> Response {
        let caller = try await authenticator.caller(request, needs: .read)
        let format = try Self.format(request)
        let cursor = try Self.cursor(request)
        let only = request.uri.queryParameters.get("subscription").map { String($0) }
        if let only {
            // Another owner's subscription is not found, as everywhere else.
            let visible = try await stages.call("notify", .listSubscriptions(OwnerScope(owner: caller.ownerFilter)), as: [Subscription].self)
            guard visible.contains(where: { $0.id == only }) else { throw APIProblem(.notFound, "not_found", "no subscription \(only)") }
        }
        let owned = OwnedSubscriptions(stages: stages, owner: caller.ownerFilter)
        try await owned.refresh()
        let authenticator = self.authenticator
        return try stream(
            sources: stages.layout.feeds(of: "notify"), topicPrefix: only.map { StreamTopic.alert(subscriptionID: $0) } ?? StreamTopic.alertPrefix,
            format: format, cursor: cursor, caller: caller,
            stillAllowed: {
                guard (try? await authenticator.caller(request, needs: .read)) != nil else { return false }
                try? await owned.refresh()
                return true
            }
        ) { message in
            guard case .alert(let alert) = message.envelope.payload, await owned.contains(alert.subscriptionID) else { return nil }
            return ("alert", try JSONCoding.encoder().encode(alert))
        }
    }

    func stories(_ request: Request) async throws -> Response {
        let caller = try await authenticator.caller(request, needs: .read)
        let format = try Self.format(request)
        let cursor = try Self.cursor(request)
        let authenticator = self.authenticator
        return try stream(
            sources: stages.layout.feeds(of: "tag"), topicPrefix: StreamTopic.storyTagged, format: format, cursor: cursor, caller: caller,
            stillAllowed: { (try? await authenticator.caller(request, needs: .read)) != nil }
        ) { message in
            guard case .taggedStory(let tagged) = message.envelope.payload else { return nil }
            return ("story", try JSONCoding.encoder().encode(tagged))
        }
    }

    /// The streaming response: a feed reader bridged to the client through a bounded buffer.
    func stream(
        sources: FeedSources, topicPrefix: String, format: Format, cursor: StreamCursor?, caller: Caller,
        stillAllowed: @escaping @Sendable () async -> Bool,
        event: @escaping @Sendable (InboundMessage) async throws -> (name: String, data: Data)?
    ) throws(APIProblem) -> Response {
        // Each stream is a reader group on every producer, which keeps at most 64 groups: a gateway
        // serves at most `maxStreams`, and one token at most `maxStreamsPerToken`.
        guard let registration = openStreams.reserve(token: caller.token.id, limit: Self.maxStreams, perToken: Self.maxStreamsPerToken) else {
            throw APIProblem(
                .tooManyRequests, "too_many_streams",
                "this gateway serves \(Self.maxStreams) streams at most, \(Self.maxStreamsPerToken) per token; close one, or use another gateway")
        }
        let openStreams = self.openStreams
        let stallLimit = self.stallLimit
        let logger = self.logger
        let context = stages.context
        let layout = stages.layout
        let contentType = format == .serverSentEvents ? "text/event-stream" : "application/x-ndjson"
        let body = ResponseBody { writer in
            // No buffer of its own: an event is handed to the writer, or waits (and with it the feed
            // reader, whose window of 512 unacknowledged messages is all a stream holds in memory).
            defer { openStreams.remove(registration) }
            let items = AsyncChannel<Item>()
            let state = StreamState(cursor ?? StreamCursor())
            let hello = FeedHello(
                group: "gateway-\(UUID().uuidString.prefix(12).lowercased())", instance: "gateway-\(getpid())", window: 512,
                start: .latest, durable: false, topicPrefix: topicPrefix)
            let consumer = FeedConsumer.start(
                context: context, sources: sources, hello: hello, resumeAfter: (cursor ?? StreamCursor()).resumePoints(in: layout), logger: logger)
            /// Hands `item` to the writer; false when the client took nothing for `stallLimit` (the
            /// stream is then cut) or the stream has ended. Once ended, nothing more counts as taken.
            let offer: @Sendable (Item) async -> Bool = { item in
                guard !state.ended.load(ordering: .sequentiallyConsistent) else { return false }
                let taken = await Self.send(item, to: items, within: stallLimit)
                if !taken, !state.ended.exchange(true, ordering: .sequentiallyConsistent) {
                    state.cut.store(true, ordering: .sequentiallyConsistent)
                    Counter(label: "news_gateway_streams_cut_total").increment()
                    items.finish()
                }
                return taken && !state.ended.load(ordering: .sequentiallyConsistent)
            }
            openStreams.attach(registration) {
                state.ended.store(true, ordering: .sequentiallyConsistent)
                items.finish()
            }
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        // The stream opens once every replica's feed has registered this stream's reader
                        // (or after `joinLimit`, when one is down): a client that has the `connected`
                        // event is given every event from then on (a browser's `open` comes earlier,
                        // with the headers). Its id names each replica that answered at the point the
                        // reader started there, so a client that reconnects before its first event from
                        // a replica misses nothing that replica made in between.
                        _ = await consumer.waitUntilJoined(within: Self.joinLimit)
                        let opened = state.position.withLock { position in
                            for (endpoint, start) in consumer.startPositions {
                                position.advance(start, from: StreamCursor.instance(ofFeed: endpoint))
                            }
                            return position.description
                        }
                        guard await offer(.connected(cursor: opened)) else { return }
                        // Events are made in feed order; the cursor moves past an event only once the
                        // writer has taken it, so every event's id, and the cut's, is where to resume.
                        for await batch in consumer.deliveries {
                            for delivery in batch {
                                delivery.acknowledge()
                                let instance = StreamCursor.instance(ofFeed: delivery.endpoint)
                                guard let message = delivery.message,
                                    state.position.withLock({ $0.isNew(delivery.sequence, from: instance) })
                                else { continue }
                                guard let made = try? await event(message) else {
                                    state.position.withLock { $0.advance(delivery.sequence, from: instance) }
                                    continue
                                }
                                var next = state.position.withLock { $0 }
                                next.advance(delivery.sequence, from: instance)
                                guard await offer(.event(name: made.name, cursor: next.description, data: made.data)) else { return }
                                state.position.withLock { $0 = next }
                            }
                        }
                        items.finish()
                    }
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: Self.keepAliveInterval)
                            // A token revoked while its stream is open ends the stream.
                            guard await stillAllowed() else {
                                state.ended.store(true, ordering: .sequentiallyConsistent)
                                items.finish()
                                return
                            }
                            guard await offer(.keepAlive) else { return }
                        }
                    }
                    defer { group.cancelAll() }
                    for await item in items {
                        try await writer.write(ByteBuffer(bytes: Self.encode(item, format: format)))
                        // What the client was given: the cut's cursor is the last event written, exactly.
                        switch item {
                        case .connected(let cursor) where !cursor.isEmpty, .event(_, let cursor, _): state.written.withLock { $0 = cursor }
                        default: break
                        }
                    }
                    if state.cut.load(ordering: .sequentiallyConsistent) {
                        let resume = state.written.withLock { $0 } ?? (cursor ?? StreamCursor()).description
                        let seconds = stallLimit.components.seconds
                        let reason = #"{"reason":"slow client: it took no event for \#(seconds) s","resume":"\#(resume)"}"#
                        try await writer.write(ByteBuffer(bytes: Self.encode(.event(name: "cut", cursor: resume, data: Data(reason.utf8)), format: format)))
                    }
                    try await writer.finish(nil)
                }
            } catch {
                // The client went away (a write failed): the feed reader goes too.
                await consumer.waitUntilClosed()
                throw error
            }
            await consumer.waitUntilClosed()
        }
        return Response(
            status: .ok,
            headers: [.contentType: contentType, .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: body)
    }

    /// Sends `item` on `channel` unless nobody takes it within `limit`.
    static func send(_ item: Item, to channel: AsyncChannel<Item>, within limit: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await channel.send(item)
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    static func encode(_ item: Item, format: Format) -> Data {
        switch (item, format) {
        case (.connected(let cursor), .serverSentEvents):
            return Data("retry: 2000\n\(cursor.isEmpty ? "" : "id: \(cursor)\n")event: connected\ndata: {}\n\n".utf8)
        case (.connected(let cursor), .jsonLines):
            return Data((cursor.isEmpty ? #"{"event":"connected"}"# : #"{"id":"\#(cursor)","event":"connected"}"#).utf8 + [0x0a])
        case (.keepAlive, .serverSentEvents):
            return Data(": keep-alive\n\n".utf8)
        case (.keepAlive, .jsonLines):
            return Data(#"{"event":"keep-alive"}"#.utf8 + [0x0a])
        case (.event(let name, let cursor, let data), .serverSentEvents):
            return Data("id: \(cursor)\nevent: \(name)\ndata: ".utf8) + data + Data("\n\n".utf8)
        case (.event(let name, let cursor, let data), .jsonLines):
            return Data(#"{"id":"\#(cursor)","event":"\#(name)","data":"#.utf8) + data + Data("}\n".utf8)
        }
    }
}

/// The streams being served, so that a stopping gateway can end them (each client then resumes from
/// its last event, on this gateway when it is back or on another).
final class OpenStreams: Sendable {
    private struct Open {
        var token: String
        var end: (@Sendable () -> Void)?
    }
    private let streams = Mutex<(next: Int, all: [Int: Open])>((0, [:]))

    /// Reserves a place for a stream of `token`; nil when the gateway or the token has as many as it may.
    func reserve(token: String, limit: Int, perToken: Int) -> Int? {
        streams.withLock { state in
            guard state.all.count < limit, state.all.values.filter({ $0.token == token }).count < perToken else { return nil }
            state.next += 1
            state.all[state.next] = Open(token: token)
            return state.next
        }
    }

    /// Gives a reserved stream its way to end.
    func attach(_ key: Int, end: @escaping @Sendable () -> Void) {
        streams.withLock { $0.all[key]?.end = end }
    }

    /// Forgets a stream that ended.
    func remove(_ key: Int) {
        _ = streams.withLock { $0.all.removeValue(forKey: key) }
    }

    /// Ends every stream.
    func endAll() {
        for end in streams.withLock({ $0.all.values.compactMap(\.end) }) { end() }
    }
}

/// Ends the open streams when the gateway shuts down: listed after the HTTP server in the service
/// group, it is shut down first, so the server's connections can then finish.
struct StreamCloser: Service {
    let streams: OpenStreams

    func run() async throws {
        try? await gracefulShutdown()
        streams.endAll()
    }
}

/// One stream's place in the feeds, shared by its reader and its writer.
final class StreamState: Sendable {
    /// Where the last event queued leaves the client.
    let position: Mutex<StreamCursor>
    /// The cursor of the last event written to the client.
    let written = Mutex<String?>(nil)
    /// Set when the stream ends (cut, revoked, the gateway stopping): no later event counts as sent.
    let ended = Atomic<Bool>(false)
    /// Set when the client fell behind and the stream is cut.
    let cut = Atomic<Bool>(false)

    init(_ cursor: StreamCursor) {
        position = Mutex(cursor)
    }
}

/// The subscriptions whose alerts a stream may carry: the owner's, refreshed as they subscribe
/// (nil owner: every subscription's).
actor OwnedSubscriptions {
    let stages: StageCalls
    let owner: String?
    private var ids: Set<String> = []
    private var refreshedAt = ContinuousClock.now

    init(stages: StageCalls, owner: String?) {
        self.stages = stages
        self.owner = owner
    }

    func refresh() async throws {
        guard let owner else { return }
        ids = Set(try await stages.call("notify", .listSubscriptions(OwnerScope(owner: owner)), as: [Subscription].self).map(\.id))
        refreshedAt = .now
    }

    func contains(_ id: String) async -> Bool {
        if owner == nil || ids.contains(id) { return true }
        // A subscription made since the last refresh (asked at most once a second: most misses are
        // other owners' alerts).
        if ContinuousClock.now - refreshedAt > .seconds(1) { try? await refresh() }
        return ids.contains(id)
    }
}
