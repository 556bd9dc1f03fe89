import Foundation

/// Text made safe for HTML content and attribute values, and the only links a page or message makes,
/// for the gateway's console and notify's e-mails and chat messages alike.
public enum HTMLText {
    /// `url` when it is a web address (http or https), else nil: a `javascript:` or `data:` URL from a
    /// submitted story never becomes a link.
    public static func webLink(_ url: String?) -> String? {
        guard let url, let scheme = URL(string: url)?.scheme?.lowercased(), scheme == "http" || scheme == "https" else { return nil }
        return url
    }

    /// `text` with `&`, `<`, `>`, `"` and `'` as entities. By Unicode scalar, not by Character: a quote
    /// or `<` inside a grapheme cluster (`"` + U+0301, U+0600 + `<`) is still one to a browser.
    public static func escaped(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&#39;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}
