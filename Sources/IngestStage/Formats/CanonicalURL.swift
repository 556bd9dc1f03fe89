import Foundation

/// Story links in one form: resolved against the document's base, without the fragment and without
/// tracking parameters (`utm_*`, `fbclid`, `gclid`, `mc_cid`, `mc_eid`, `igshid`).
public enum CanonicalURL {
    static let trackingParameters: Set<String> = ["fbclid", "gclid", "mc_cid", "mc_eid", "igshid", "dclid", "msclkid"]

    /// The canonical form of `link`, resolved against `base`; nil when it is not an http(s) URL.
    public static func make(_ link: String, base: String? = nil) -> String? {
        let trimmed = link.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        let baseURL = base.flatMap { URL(string: $0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard let resolved = URL(string: trimmed, relativeTo: baseURL)?.absoluteURL,
            var components = URLComponents(url: resolved, resolvingAgainstBaseURL: true),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https"
        else { return nil }
        components.scheme = scheme
        components.host = components.host?.lowercased()
        components.fragment = nil
        if let items = components.queryItems {
            let kept = items.filter { item in
                let name = item.name.lowercased()
                return !name.hasPrefix("utm_") && !trackingParameters.contains(name)
            }
            components.queryItems = kept.isEmpty ? nil : kept
        }
        if (scheme == "http" && components.port == 80) || (scheme == "https" && components.port == 443) {
            components.port = nil
        }
        if components.path.isEmpty { components.path = "/" }
        return components.string
    }
}
