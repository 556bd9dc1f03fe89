import Foundation
import HTTPTypes
import Hummingbird
import NewsModel
import NewsTransport

/// The web console: server-rendered pages over the same stage calls as the API, signed in with an
/// API token kept in an HttpOnly, SameSite=Strict cookie (so no other site can make the browser act).
struct ConsoleRoutes: Sendable {
    let stages: StageCalls
    let authenticator: Authenticator

    func register(on router: Router<GatewayContext>) {
        router.get("/") { _, _ in Self.redirect("/console/search") }
        router.get("console") { _, _ in Self.redirect("/console/search") }
        router.get("console/static/:file") { _, context in try Self.staticFile(try context.parameters.require("file")) }
        router.get("console/sign-in") { _, _ in Self.signInPage(error: nil) }
        router.post("console/sign-in") { request, context in try await signIn(request, context: context) }
        router.post("console/sign-out") { _, _ in
            var response = Self.redirect("/console/sign-in")
            response.headers[.setCookie] = "\(Authenticator.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
            return response
        }
        router.get("console/search") { request, _ in try await page(request, needs: .read) { caller in try await search(request, caller) } }
        router.get("console/subscriptions") { request, _ in
            try await page(request, needs: .read) { caller in try await subscriptions(request, caller, message: nil) }
        }
        router.post("console/subscriptions") { request, context in
            try await page(request, needs: .subscribe) { caller in try await subscribe(request, context: context, caller) }
        }
        router.post("console/subscriptions/update") { request, context in
            try await page(request, needs: .subscribe) { caller in try await changeDelivery(request, context: context, caller) }
        }
        router.post("console/subscriptions/delete") { request, context in
            try await page(request, needs: .subscribe) { caller in try await unsubscribe(request, context: context, caller) }
        }
        router.get("console/alerts") { request, _ in try await page(request, needs: .read) { caller in try await alerts(request, caller) } }
        router.get("console/deliveries") { request, _ in
            try await page(request, needs: .read) { caller in try await deliveries(caller, message: nil) }
        }
        router.post("console/deliveries/replay") { request, context in
            try await page(request, needs: .subscribe) { caller in try await replay(request, context: context, caller) }
        }
        router.get("console/feeds") { request, _ in try await page(request, needs: .admin) { _ in try await feeds(message: nil) } }
        router.post("console/feeds") { request, context in
            try await page(request, needs: .admin) { _ in try await changeFeeds(request, context: context) }
        }
        router.get("console/status") { request, _ in try await page(request, needs: .read) { _ in await status() } }
    }

    // MARK: - Plumbing

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static func staticFile(_ name: String) throws -> Response {
        let types = ["console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8"]
        guard let type = types[name], let url = Bundle.module.url(forResource: "console/" + name, withExtension: nil) else {
            throw APIProblem(.notFound, "not_found", "no such file")
        }
        return Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try Data(contentsOf: url))))
    }

    /// Runs a page for a signed-in caller with `scope`; sends anyone else to sign in, and shows a
    /// stage's refusal on the page rather than as JSON.
    func page(_ request: Request, needs scope: TokenScope, _ body: (Caller) async throws -> Response) async throws -> Response {
        let caller: Caller
        do {
            caller = try await authenticator.caller(request, needs: scope)
        } catch where error.status == .unauthorized {
            return Self.redirect("/console/sign-in")
        } catch {
            return ConsolePage.render(
                title: "Not allowed", current: nil, signedIn: true, body: #"<p class="error">\#(ConsolePage.escape(error.detail))</p>"#,
                status: error.status)
        }
        do {
            return try await body(caller)
        } catch let problem as APIProblem {
            return ConsolePage.render(
                title: "Something went wrong", current: nil, signedIn: true,
                body: #"<p class="error" role="alert">\#(ConsolePage.escape(problem.detail))</p><p><a href="/console/search">Back to search</a></p>"#,
                status: problem.status)
        }
    }

    /// The fields of an `application/x-www-form-urlencoded` body, at most 64 KiB: `+` is a space, and
    /// a field that is not valid percent-encoding is empty (never a crash: Foundation's
    /// `URLComponents.percentEncodedQuery` setter traps on such text).
    static func form(_ request: Request, context: GatewayContext) async throws -> [String: String] {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: 64 << 10)
        } catch {
            throw APIProblem(.contentTooLarge, "too_large", "a console form is at most 64 KiB")
        }
        return parseForm(String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    static func parseForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            fields[decoded(parts[0])] = parts.count > 1 ? decoded(parts[1]) : ""
        }
        return fields
    }

    static func signInPage(error: String?) -> Response {
        let problem = error.map { #"<p class="error" role="alert">\#(ConsolePage.escape($0))</p>"# } ?? ""
        return ConsolePage.render(
            title: "Sign in", current: nil, signedIn: false,
            body: """
                \(problem)
                <form method="post" action="/console/sign-in">
                <label for="token">API token</label>
                <input type="password" id="token" name="token" autocomplete="current-password" required>
                <p class="meta">Make one with <code>newsctl tokens create --scope read --scope subscribe --scope publish</code>.</p>
                <button type="submit">Sign in</button>
                </form>
                """, status: error == nil ? .ok : .unauthorized)
    }

    func signIn(_ request: Request, context: GatewayContext) async throws -> Response {
        // Another site must not sign a visitor in with a token of its own choosing.
        guard Authenticator.isSameOrigin(request) else {
            return Self.signInPage(error: "This sign-in did not come from the console's own page.")
        }
        let token = (try await Self.form(request, context: context)["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            _ = try await stages.call("notify", .verifyToken(TokenVerifyRequest(token: token)), as: APIToken.self)
        } catch {
            return Self.signInPage(error: "That token is unknown, wrong or revoked.")
        }
        var response = Self.redirect("/console/search")
        // Secure behind a TLS proxy (which says so), so the browser sends it over HTTPS only.
        let secure = request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https" ? "; Secure" : ""
        response.headers[.setCookie] = "\(Authenticator.cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict\(secure)"
        return response
    }

    // MARK: - Search

    func search(_ request: Request, _ caller: Caller) async throws -> Response {
        let words = request.uri.queryParameters.get("q").map { String($0) } ?? ""
        let filters = SearchFilters(request)
        let text = filters.query(words)
        let sort = SearchRequest.Sort(rawValue: request.uri.queryParameters.get("sort").map { String($0) } ?? "") ?? .relevance
        // The index skips at most 100,000 hits: page 10,000 of 10.
        let page = min(10_000, max(1, Int(request.uri.queryParameters.get("page") ?? "1") ?? 1))
        let pageSize = 10
        var results = ""
        if !text.isEmpty {
            do {
                _ = try APIProblem.parsed(text)
                let result = try await stages.call(
                    "index", .search(SearchRequest(query: text, limit: pageSize, offset: (page - 1) * pageSize, sort: sort)), as: SearchResult.self)
                results = try await searchResults(result, text: text, sort: sort, page: page, pageSize: pageSize, link: filters.link(words))
            } catch let problem as APIProblem {
                let column = problem.column.map { " (column \($0))" } ?? ""
                results = #"<p class="error" role="alert">\#(ConsolePage.escape(problem.detail))\#(column)</p>"#
            }
        }
        let options = SearchRequest.Sort.allCases.map { option in
            #"<option value="\#(option.rawValue)"\#(option == sort ? " selected" : "")>\#(option == .relevance ? "Best match" : "Newest")</option>"#
        }.joined()
        return ConsolePage.render(
            title: "Search", current: "/console/search", signedIn: true,
            body: """
                <form method="get" action="/console/search" role="search">
                <label for="q">Query</label>
                <input type="search" id="q" name="q" value="\(ConsolePage.escape(words))" placeholder="place:Iran AND topic:economy" aria-describedby="q-help">
                <p class="meta" id="q-help">Words, "phrases", fields such as place:, org:, person:, topic:, source:, and AND, OR, NOT, since:7d.</p>
                <fieldset><legend>Filters</legend>
                <label for="source">Source</label>
                <input type="text" id="source" name="source" value="\(ConsolePage.escape(filters.source))" placeholder="Reuters">
                <label for="place">Place</label>
                <input type="text" id="place" name="place" value="\(ConsolePage.escape(filters.place))" placeholder="Iran">
                <label for="since">Published within</label>
                <select id="since" name="since">\(filters.windowOptions)</select>
                </fieldset>
                <label for="sort">Order</label>
                <select id="sort" name="sort">\(options)</select>
                <button type="submit">Search</button>
                </form>
                \(results)
                """)
    }

    func searchResults(
        _ result: SearchResult, text: String, sort: SearchRequest.Sort, page: Int, pageSize: Int, link extra: [URLQueryItem]
    ) async throws -> String {
        let hits = result.hits.map { hit in
            let title =
                ConsolePage.webLink(hit.url).map { #"<a href="\#(ConsolePage.escape($0))" rel="noopener noreferrer">\#(ConsolePage.escape(hit.headline))</a>"# }
                ?? ConsolePage.escape(hit.headline)
            let tags = (hit.entities.sorted { $0.key < $1.key }.flatMap { field, names in names.map { "\(field):\($0)" } } + hit.topics.map { "topic:\($0)" })
                .prefix(8).map(ConsolePage.escape).joined(separator: " · ")
            return """
                <li><strong>\(title)</strong>
                <div class="meta">\(ConsolePage.escape(hit.source ?? "unknown source")) · \(ConsolePage.date(hit.publishedAt))</div>
                <p>\(ConsolePage.highlighted(hit.snippet))</p>
                <div class="meta">\(tags)</div></li>
                """
        }.joined(separator: "\n")
        func link(_ target: Int, _ label: String) -> String {
            var components = URLComponents()
            components.path = "/console/search"
            components.queryItems = extra + [.init(name: "sort", value: sort.rawValue), .init(name: "page", value: String(target))]
            return #"<a href="\#(ConsolePage.escape(components.string ?? ""))">\#(label)</a>"#
        }
        let pages = max(1, (result.total + pageSize - 1) / pageSize)
        let paging = [page > 1 ? link(page - 1, "← Newer page") : nil, page < pages ? link(page + 1, "Next page →") : nil].compactMap { $0 }
            .joined(separator: " ")
        return """
            <p class="notice" role="status">\(result.total) stor\(result.total == 1 ? "y" : "ies") match · page \(page) of \(pages)</p>
            \(try await volumeCharts(text))
            <ol class="hits">\(hits)</ol>
            <nav class="paging" aria-label="Pages">\(paging)</nav>
            """
    }

    /// The query's story volume: hourly over the last day and daily over the last fortnight, counted by
    /// the index in the same call as a one-hit search.
    func volumeCharts(_ text: String) async throws -> String {
        let now = Date().timeIntervalSince1970
        let hour = 3_600
        let thisHour = (now / Double(hour)).rounded(.down) * Double(hour)
        let today = (now / 86_400).rounded(.down) * 86_400
        let hours = VolumeRequest(start: Date(timeIntervalSince1970: thisHour - 23 * Double(hour)), seconds: hour, buckets: 24)
        let days = VolumeRequest(start: Date(timeIntervalSince1970: today - 13 * 86_400), seconds: 86_400, buckets: 14)
        let result = try await stages.call("index", .search(SearchRequest(query: text, limit: 1, volumes: [hours, days])), as: SearchResult.self)
        guard let counts = result.volumes, counts.count == 2, counts[0].count == hours.buckets, counts[1].count == days.buckets else {
            throw APIProblem(.badGateway, "bad_reply", "index answered without the volumes it was asked for (an index older than this gateway?)")
        }
        func labels(_ volume: VolumeRequest, _ label: (String) -> Substring) -> [String] {
            (0..<volume.buckets).map { String(label(RFC3339.format(volume.start.addingTimeInterval(TimeInterval($0 * volume.seconds))))) }
        }
        let hourly = Array(zip(labels(hours) { $0.dropFirst(11).prefix(5) }, counts[0]))
        let daily = Array(zip(labels(days) { $0.prefix(10) }, counts[1]))
        return #"<div class="charts">\#(ConsolePage.volumeChart(hourly, caption: "Stories per hour, last 24 hours (UTC)"))\#(ConsolePage.volumeChart(daily, caption: "Stories per day, last 14 days"))</div>"#
    }

    // MARK: - Subscriptions

    func subscriptions(_ request: Request, _ caller: Caller, message: String?) async throws -> Response {
        let list = try await stages.call("notify", .listSubscriptions(OwnerScope(owner: caller.ownerFilter)), as: [Subscription].self)
        let rows = list.map { subscription in
            let chart = "/console/search?q=" + (subscription.query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            return """
                <tr><td><code>\(ConsolePage.escape(subscription.id))</code></td><td>\(ConsolePage.escape(subscription.query))</td>
                <td>\(ConsolePage.date(subscription.createdAt))</td><td>\(ConsolePage.escape(subscription.webhook ?? "—"))</td>
                <td>\(ConsolePage.escape(subscription.watchKind == .alert ? subscription.schedule.summary : subscription.watchKind.rawValue))</td>
                <td><a href="/console/alerts?subscription=\(ConsolePage.escape(subscription.id))">Alerts</a> · <a href="\(ConsolePage.escape(chart))">Volume</a>
                <form method="post" action="/console/subscriptions/delete" class="inline"><input type="hidden" name="id" value="\(ConsolePage.escape(subscription.id))">
                <button type="submit" class="secondary" aria-label="Remove \(ConsolePage.escape(subscription.query))">Remove</button></form>
                \(Self.deliveryForm(subscription))</td></tr>
                """
        }.joined(separator: "\n")
        let notice = ConsolePage.notice(message)
        let table =
            list.isEmpty
            ? "<p>No subscriptions yet.</p>"
            : #"<div class="table"><table><caption class="meta">Your subscriptions</caption><thead><tr><th scope="col">Id</th><th scope="col">Query</th><th scope="col">Created</th><th scope="col">Destination</th><th scope="col">Delivery</th><th scope="col">Actions</th></tr></thead><tbody>\#(rows)</tbody></table></div>"#
        return ConsolePage.render(
            title: "Subscriptions", current: "/console/subscriptions", signedIn: true,
            body: """
                \(notice)
                <form method="post" action="/console/subscriptions" id="subscribe-form">
                <label for="query">Query</label>
                <input type="text" id="query" name="query" required placeholder="place:Iran OR org:OPEC">
                <label for="backfill">Also alert on stored stories of</label>
                <select id="backfill" name="backfill"><option value="">nothing (from now on)</option><option value="24h">the last day</option><option value="7d">the last week</option><option value="30d">the last 30 days</option></select>
                <label for="webhook">Webhook URL (optional)</label>
                <input type="url" id="webhook" name="webhook" placeholder="https://example.org/hooks/news">
                <label for="webhook-format">Webhook format</label>
                <select id="webhook-format" name="webhookFormat"><option value="standard">Standard Webhooks (signed)</option><option value="slack">Slack</option><option value="teams">Microsoft Teams</option><option value="ntfy">ntfy topic</option></select>
                <label for="email">E-mail address (optional, instead of a webhook)</label>
                <input type="email" id="email" name="email" placeholder="you@example.org">
                <label for="digest">Deliver (with a webhook or an e-mail address)</label>
                <select id="digest" name="digest">\(Self.digestChoices.map { #"<option value="\#($0.0)">\#($0.1)</option>"# }.joined())</select>
                <label for="time-zone">Time zone of the digest</label>
                <input type="text" id="time-zone" name="timeZone" placeholder="UTC" autocomplete="off">
                <button type="button" id="preview-button" class="secondary" hidden>Preview</button>
                <button type="submit" id="subscribe-button">Subscribe</button>
                </form>
                <div id="preview" aria-live="polite"></div>
                <h2>Yours</h2>
                \(table)
                """)
    }

    func subscribe(_ request: Request, context: GatewayContext, _ caller: Caller) async throws -> Response {
        let fields = try await Self.form(request, context: context)
        let query = (fields["query"] ?? "").trimmingCharacters(in: .whitespaces)
        _ = try APIProblem.parsed(query)
        let backfill = fields["backfill"].flatMap { $0.isEmpty ? nil : DateBound.window($0) }
        let webhook = fields["webhook"].flatMap { $0.isEmpty ? nil : $0 }
        let format = webhook == nil ? nil : fields["webhookFormat"].flatMap(WebhookFormat.init(rawValue:))
        let email = fields["email"].flatMap { $0.isEmpty ? nil : $0 }
        let digest = fields["digest"].flatMap { $0.isEmpty || $0 == "instant" ? nil : $0 }
        let zone = fields["timeZone"].flatMap { $0.isEmpty || digest == nil ? nil : $0 }
        let schedule: DeliverySchedule?
        do { schedule = try SubscriptionUpdateRequest(id: "new", digest: digest, timeZone: zone).newSchedule() } catch {
            throw APIProblem(.badRequest, "bad_request", error.message)
        }
        let result = try await stages.call(
            "notify",
            .subscribe(
                SubscribeRequest(
                    query: query, webhook: webhook, backfillSeconds: backfill, owner: caller.token.owner, webhookFormat: format, email: email,
                    delivery: schedule)),
            as: SubscribeResult.self, write: backfill != nil)
        var message = result.created ? "Subscribed: \(result.subscription.id)." : "Already subscribed: \(result.subscription.id)."
        if let backfilled = result.backfilled { message += " \(backfilled) alert\(backfilled == 1 ? "" : "s") from stored stories." }
        if let secret = result.webhookSecret { message += " Webhook signing secret (shown only now): \(secret)" }
        return try await subscriptions(request, caller, message: message)
    }

    /// The digest choices of the console's forms, as `--digest` reads them, with their labels.
    static let digestChoices = [
        ("instant", "each alert at once"), ("hourly", "an hourly digest"), ("daily@08:00", "a daily digest at 08:00"),
        ("weekly@mon@08:00", "a weekly digest, Mondays at 08:00"),
    ]

    /// A subscription's "Change delivery" form: how alerts with a destination are delivered (digest and
    /// time zone), the present choice selected. Spike and silence subscriptions and those without a
    /// destination have none (a digest needs somewhere to go).
    static func deliveryForm(_ subscription: Subscription) -> String {
        guard subscription.watchKind == .alert, subscription.webhook != nil else { return "" }
        let id = ConsolePage.escape(subscription.id)
        let current = subscription.schedule.digestText
        let choices = digestChoices.contains { $0.0 == current } ? digestChoices : digestChoices + [(current, current)]
        let options = choices.map { value, label in
            #"<option value="\#(ConsolePage.escape(value))"\#(value == current ? " selected" : "")>\#(ConsolePage.escape(label))</option>"#
        }.joined()
        return """
            <details class="delivery"><summary>Change delivery</summary>
            <form method="post" action="/console/subscriptions/update"><input type="hidden" name="id" value="\(id)">
            <label for="digest-\(id)">Deliver</label><select id="digest-\(id)" name="digest">\(options)</select>
            <label for="zone-\(id)">Time zone</label><input type="text" id="zone-\(id)" name="timeZone" value="\(ConsolePage.escape(subscription.schedule.timeZone ?? "UTC"))" autocomplete="off">
            <button type="submit" aria-label="Change the delivery of \(ConsolePage.escape(subscription.query))">Change</button></form></details>
            """
    }

    /// Changes a subscription's digest and time zone (notify's `subscriptions_update`, as `PATCH
    /// /v1/subscriptions/{id}` does).
    func changeDelivery(_ request: Request, context: GatewayContext, _ caller: Caller) async throws -> Response {
        let fields = try await Self.form(request, context: context)
        let update = SubscriptionUpdateRequest(
            id: fields["id"] ?? "", owner: caller.ownerFilter, digest: fields["digest"].flatMap { $0.isEmpty ? nil : $0 },
            timeZone: fields["timeZone"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) })
        let changed = try await stages.call("notify", .updateSubscription(update), as: Subscription.self, write: true)
        return try await subscriptions(request, caller, message: "Delivery changed: \(changed.query) is now \(changed.schedule.summary).")
    }

    func unsubscribe(_ request: Request, context: GatewayContext, _ caller: Caller) async throws -> Response {
        let id = try await Self.form(request, context: context)["id"] ?? ""
        let removed = try await stages.call("notify", .unsubscribe(id: id, owner: caller.ownerFilter), as: Subscription.self)
        return try await subscriptions(request, caller, message: "Removed \(removed.query).")
    }

    // MARK: - Alerts, deliveries, feeds, status

    func alerts(_ request: Request, _ caller: Caller) async throws -> Response {
        let only = request.uri.queryParameters.get("subscription").map { String($0) }
        let stored = try await stages.call(
            "notify", .listAlerts(AlertsRequest(subscriptionID: only, limit: 20, owner: caller.ownerFilter)), as: [Alert].self)
        let items = stored.map { alert in
            let why = ([("matched", alert.matched.joined(separator: ", "))] + (alert.tags ?? []).map { ($0.clause, "\($0.tag) — \($0.reason)") })
                .map { "<li>\(ConsolePage.escape($0.0)): \(ConsolePage.escape($0.1))</li>" }.joined()
            return """
                <li data-alert="\(ConsolePage.escape(alert.id))" data-story="\(ConsolePage.escape(alert.story.id))"><strong>\(ConsolePage.escape(alert.story.headline))</strong>
                <div class="meta">\(ConsolePage.escape(alert.story.source ?? "unknown source")) · \(ConsolePage.date(alert.story.publishedAt ?? alert.createdAt)) — \(ConsolePage.escape(alert.query))</div>
                <ul class="why" aria-label="Why it fired">\(why)</ul></li>
                """
        }.joined(separator: "\n")
        let empty = stored.isEmpty ? #"<li id="no-alerts">No alerts yet.</li>"# : ""
        let filter = only.map { #" data-subscription="\#(ConsolePage.escape($0))""# } ?? ""
        return ConsolePage.render(
            title: only.map { "Live alerts for \($0)" } ?? "Live alerts", current: "/console/alerts", signedIn: true,
            body: """
                <p id="live-status" class="meta" role="status">Connecting…</p>
                <ul class="alerts" id="live-alerts"\(filter) aria-live="polite" aria-label="Alerts, newest first">\(empty)\(items)</ul>
                """)
    }

    func deliveries(_ caller: Caller, message: String?) async throws -> Response {
        let list = try await stages.call(
            "notify", .listDeliveries(DeliveriesRequest(limit: 100, owner: caller.ownerFilter)), as: [WebhookDelivery].self)
        let rows = list.map { delivery in
            let replay =
                delivery.state == .dead
                ? #"<form method="post" action="/console/deliveries/replay" class="inline"><input type="hidden" name="id" value="\#(ConsolePage.escape(delivery.id))"><button type="submit" class="secondary">Replay</button></form>"#
                : ""
            return """
                <tr><td>\(ConsolePage.date(delivery.createdAt))</td><td><code>\(ConsolePage.escape(delivery.subscriptionID))</code></td>
                <td>\(ConsolePage.escape(delivery.url))</td><td>\(delivery.state.rawValue)</td><td>\(delivery.attempts)</td>
                <td>\(ConsolePage.escape(delivery.lastError ?? ""))</td><td>\(replay)</td></tr>
                """
        }.joined(separator: "\n")
        let notice = ConsolePage.notice(message)
        return ConsolePage.render(
            title: "Deliveries", current: "/console/deliveries", signedIn: true,
            body: """
                \(notice)
                <form method="post" action="/console/deliveries/replay"><button type="submit">Replay every dead letter</button></form>
                <div class="table"><table><thead><tr><th scope="col">Made</th><th scope="col">Subscription</th><th scope="col">URL</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Last error</th><th scope="col"></th></tr></thead>
                <tbody>\(list.isEmpty ? #"<tr><td colspan="7">No webhook deliveries.</td></tr>"# : rows)</tbody></table></div>
                """)
    }

    func replay(_ request: Request, context: GatewayContext, _ caller: Caller) async throws -> Response {
        let id = try await Self.form(request, context: context)["id"].flatMap { $0.isEmpty ? nil : $0 }
        let result = try await stages.call("notify", .replayDeliveries(ReplayRequest(id: id, owner: caller.ownerFilter)), as: ReplayResult.self)
        return try await deliveries(caller, message: "\(result.replayed) dead letter\(result.replayed == 1 ? "" : "s") sent again.")
    }

    func feeds(message: String?) async throws -> Response {
        let listing = try await stages.allFeeds()
        let feeds = listing.feeds
        let missing = listing.unanswered.map {
            #"<p class="error" role="alert">\#(ConsolePage.escape($0.endpoint)) did not answer (\#(ConsolePage.escape($0.problem.detail))): its feeds are not listed.</p>"#
        }.joined()
        let rows = feeds.map { feed in
            """
            <tr><td>\(ConsolePage.escape(feed.name ?? ""))</td><td>\(ConsolePage.escape(feed.url))</td><td>\(feed.intervalSeconds) s</td>
            <td>\(ConsolePage.date(feed.lastSuccessAt))</td><td>\(feed.errors)</td>
            <td><form method="post" action="/console/feeds" class="inline"><input type="hidden" name="remove" value="\(ConsolePage.escape(feed.url))"><button type="submit" class="secondary">Stop polling</button></form></td></tr>
            """
        }.joined(separator: "\n")
        let notice = ConsolePage.notice(message)
        return ConsolePage.render(
            title: "Feeds", current: "/console/feeds", signedIn: true,
            body: """
                \(notice)
                \(missing)
                <form method="post" action="/console/feeds">
                <label for="url">Feed URL</label><input type="url" id="url" name="url" required>
                <label for="name">Name (optional)</label><input type="text" id="name" name="name">
                <button type="submit">Poll this feed</button>
                </form>
                <div class="table"><table><thead><tr><th scope="col">Name</th><th scope="col">URL</th><th scope="col">Every</th><th scope="col">Last success</th><th scope="col">Errors</th><th scope="col"></th></tr></thead>
                <tbody>\(feeds.isEmpty ? #"<tr><td colspan="6">No feeds are polled.</td></tr>"# : rows)</tbody></table></div>
                """)
    }

    func changeFeeds(_ request: Request, context: GatewayContext) async throws -> Response {
        let fields = try await Self.form(request, context: context)
        if let url = fields["remove"] {
            _ = try await stages.removeFeed(url)
            return try await feeds(message: "Stopped polling \(url).")
        }
        let feed = try await stages.call(
            "ingest", .addFeed(FeedAddRequest(url: fields["url"] ?? "", name: fields["name"].flatMap { $0.isEmpty ? nil : $0 })), as: PolledFeed.self)
        return try await feeds(message: "Polling \(feed.url) every \(feed.intervalSeconds) s.")
    }

    func status() async -> Response {
        var sections = ""
        for stage in PipelineLayout.stages {
            let replicas = await stages.statuses(stage)
            let rows = replicas.map { replica -> String in
                guard let status = replica.status else {
                    return #"<tr><td>\#(ConsolePage.escape(replica.endpoint))</td><td colspan="3" class="error">\#(ConsolePage.escape(replica.error ?? "not answering"))</td></tr>"#
                }
                let sources = (status.sources ?? []).map { source in
                    "\(ConsolePage.escape(source.producer ?? source.endpoint)): lag \(source.lag)\(source.connected ? "" : " (not connected)")"
                }.joined(separator: "<br>")
                return """
                    <tr><td>\(ConsolePage.escape(status.instance))</td><td>\(String(format: "%.1f", status.throughput))/s</td>
                    <td>\(status.lag.map(String.init) ?? "—")</td><td>\(sources.isEmpty ? "—" : sources)</td></tr>
                    """
            }.joined(separator: "\n")
            sections += """
                <h2>\(stage)</h2>
                <div class="table"><table><thead><tr><th scope="col">Replica</th><th scope="col">Throughput</th><th scope="col">Lag</th><th scope="col">Lag per source</th></tr></thead>
                <tbody>\(replicas.isEmpty ? #"<tr><td colspan="4" class="error">no replica is running</td></tr>"# : rows)</tbody></table></div>
                """
        }
        return ConsolePage.render(title: "Pipeline status", current: "/console/status", signedIn: true, body: sections)
    }
}

/// The console's search filters: each narrows the query with a clause of the query language, so what
/// the page finds is what a subscription to the same text would match.
struct SearchFilters {
    var source: String
    var place: String
    var since: String

    static let windows = [("", "any time"), ("24h", "the last day"), ("7d", "the last week"), ("30d", "the last 30 days")]

    init(_ request: Request) {
        source = request.uri.queryParameters.get("source").map { String($0) } ?? ""
        place = request.uri.queryParameters.get("place").map { String($0) } ?? ""
        let asked = request.uri.queryParameters.get("since").map { String($0) } ?? ""
        since = Self.windows.contains { $0.0 == asked } ? asked : ""
    }

    /// The words with the filters' clauses joined on.
    func query(_ words: String) -> String {
        var clauses = words.trimmingCharacters(in: .whitespaces).isEmpty ? [] : ["(\(words))"]
        if !source.isEmpty { clauses.append("source:\"\(source.replacingOccurrences(of: "\"", with: ""))\"") }
        if !place.isEmpty { clauses.append("place:\"\(place.replacingOccurrences(of: "\"", with: ""))\"") }
        if !since.isEmpty { clauses.append("since:\(since)") }
        return clauses.joined(separator: " AND ")
    }

    /// The filters as the query items of a page link.
    func link(_ words: String) -> [URLQueryItem] {
        [.init(name: "q", value: words), .init(name: "source", value: source), .init(name: "place", value: place), .init(name: "since", value: since)]
    }

    var windowOptions: String {
        Self.windows.map { value, label in
            #"<option value="\#(value)"\#(value == since ? " selected" : "")>\#(label)</option>"#
        }.joined()
    }
}
