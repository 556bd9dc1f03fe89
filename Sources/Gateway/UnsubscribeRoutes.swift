import Foundation
import Hummingbird
import NewsModel

/// The page an e-mail's unsubscribe link opens (`notify --smtp-unsubscribe-url https://…/unsubscribe`):
/// `GET /unsubscribe?subscription=ID&token=T` asks to confirm and changes nothing (mail scanners follow
/// links), `POST` to the same URL unsubscribes, as a person's click on the page does and as a mail
/// provider's one-click request does (RFC 8058: `List-Unsubscribe=One-Click`). The token signs the
/// subscription (notify checks it), so no API token or sign-in is needed.
struct UnsubscribeRoutes {
    let stages: StageCalls

    func register(on router: Router<GatewayContext>) {
        router.get("unsubscribe") { request, _ in try confirmation(request) }
        router.post("unsubscribe") { request, _ in try await unsubscribe(request) }
    }

    /// The link's subscription id and token, or a 400 page.
    private func link(_ request: Request) -> (id: String, token: String)? {
        guard let id = request.uri.queryParameters.get("subscription").map({ String($0) }), let token = request.uri.queryParameters.get("token").map({ String($0) }),
            !id.isEmpty, !token.isEmpty, id.utf8.count <= 200, token.utf8.count <= 200
        else { return nil }
        return (id, token)
    }

    private func badLink() -> Response {
        ConsolePage.render(
            title: "Unsubscribe", current: nil, signedIn: false,
            body: "<p>This link is incomplete: it needs the subscription and its token, as the e-mail gave them.</p>", status: .badRequest)
    }

    private func confirmation(_ request: Request) throws -> Response {
        guard let (id, token) = link(request) else { return badLink() }
        let action = "/unsubscribe?subscription=\(percentEncoded(id))&token=\(percentEncoded(token))"
        return ConsolePage.render(
            title: "Unsubscribe", current: nil, signedIn: false,
            body: """
                <p>Stop the alerts of subscription <code>\(ConsolePage.escape(id))</code>?</p>
                <form method="post" action="\(ConsolePage.escape(action))"><button type="submit">Unsubscribe</button></form>
                """)
    }

    private func unsubscribe(_ request: Request) async throws -> Response {
        guard let (id, token) = link(request) else { return badLink() }
        do {
            let removed = try await stages.call("notify", .unsubscribeSigned(SignedUnsubscribeRequest(id: id, token: token)), as: Subscription.self, write: true)
            return ConsolePage.render(
                title: "Unsubscribed", current: nil, signedIn: false,
                body: "<p>You will get no more alerts for <code>\(ConsolePage.escape(removed.query))</code>.</p>")
        } catch let problem {
            return ConsolePage.render(
                title: "Unsubscribe", current: nil, signedIn: false, body: "<p>\(ConsolePage.escape(problem.detail))</p>", status: problem.status)
        }
    }

    private func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? ""
    }
}
