import Foundation
import NewsModel

#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 or IPv6 network such as `10.0.0.0/8` or `fd00::/8`.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The network's address bytes (4 or 16).
    let bytes: [UInt8]
    /// The prefix length in bits.
    let prefixLength: Int

    /// Parses `10.0.0.0/8`, `127.0.0.1` (one address), `fe80::/10`.
    /// - Throws: ``AddressGuardError`` naming the text when it is not a network.
    public init(_ text: String) throws(AddressGuardError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let bytes = Self.parseAddress(String(parts[0])) else {
            throw AddressGuardError(kind: .invalid, message: "\(text) is not an IPv4 or IPv6 network such as 10.0.0.0/8 or fd00::/8")
        }
        let length = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
        guard let length, (0...(bytes.count * 8)).contains(length) else {
            throw AddressGuardError(kind: .invalid, message: "\(text): the prefix length must be 0 to \(bytes.count * 8)")
        }
        self.bytes = bytes
        self.prefixLength = length
    }

    /// Whether `address` (4 or 16 bytes) lies in this network.
    func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var remaining = prefixLength
        for index in bytes.indices where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if address[index] & mask != bytes[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    public var description: String { "\(AddressGuard.format(bytes))/\(prefixLength)" }

    /// The bytes of a numeric IPv4 or IPv6 address, or nil.
    static func parseAddress(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

/// Why a target (a webhook, a feed URL or a redirect) or a network was refused or could not be used.
public struct AddressGuardError: Error, Sendable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Kind: Sendable {
        /// Not an http(s) URL, or not a network (`--webhook-allow`, `--feed-allow`): retrying cannot help.
        case invalid
        /// The target resolves to an address the guard refuses: retrying cannot help.
        case refused
        /// The host did not resolve now; it may later.
        case unresolved
    }

    /// The kind of failure.
    public let kind: Kind
    /// What happened, in one sentence.
    public let message: String
    public var description: String { message }

    /// True when trying again later cannot succeed.
    public var isPermanent: Bool { kind != .unresolved }
}

/// Refuses targets inside the operator's own network unless allowed: a subscriber must not be able to
/// make `notify` POST, nor a feed (or its redirect) make `ingest` fetch, to loopback, private, link-local (cloud metadata at 169.254.169.254),
/// shared-address, multicast or unspecified addresses. The host is resolved once, every address checked,
/// and the request pinned to the checked addresses (no second lookup a rebinding DNS server could change).
public struct AddressGuard: Sendable {
    /// Networks the operator allows although they are blocked (`notify --webhook-allow CIDR`,
    /// `ingest --feed-allow CIDR`).
    public let allowed: [CIDR]
    /// The option that allows a network, named in refusals (`notify --webhook-allow`).
    public let allowOption: String

    /// Creates a guard.
    public init(allowed: [CIDR] = [], allowOption: String = "notify --webhook-allow") {
        self.allowed = allowed
        self.allowOption = allowOption
    }

    static let blocked: [(CIDR, String)] = [
        ("0.0.0.0/8", "unspecified"), ("10.0.0.0/8", "private"), ("100.64.0.0/10", "shared (carrier-grade NAT)"),
        ("127.0.0.0/8", "loopback"), ("169.254.0.0/16", "link-local"), ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol assignments"), ("192.168.0.0/16", "private"), ("198.18.0.0/15", "benchmarking"),
        ("224.0.0.0/4", "multicast"), ("240.0.0.0/4", "reserved"), ("::/128", "unspecified"), ("::1/128", "loopback"),
        ("fc00::/7", "private (unique local)"), ("fe80::/10", "link-local"), ("ff00::/8", "multicast"),
    ].map { (try! CIDR($0.0), $0.1) }

    /// Why `address` is refused, or nil when it may be used.
    func refusal(_ address: [UInt8]) -> String? {
        var checked = address
        // An IPv4 address written as IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address.
        if address.count == 16 && address[0..<10].allSatisfy({ $0 == 0 }) && address[10] == 0xFF && address[11] == 0xFF {
            checked = Array(address[12..<16])
        }
        if allowed.contains(where: { $0.contains(checked) || $0.contains(address) }) { return nil }
        guard let (_, kind) = Self.blocked.first(where: { $0.0.contains(checked) }) else { return nil }
        return "\(Self.format(checked)) is a \(kind) address"
    }

    /// A URL's target, checked: the host, port and the addresses to pin the request to.
    public struct Target: Sendable {
        /// The URL's host.
        public var host: String
        /// The port (80 or 443 by default).
        public var port: Int
        /// `host:port:address,…` for libcurl's `CURLOPT_RESOLVE`.
        public var resolve: [String]
    }

    /// Resolves the URL's host and checks every address. Blocking (name resolution): call it from a
    /// dedicated thread, not from async code.
    /// - Throws: ``AddressGuardError`` for a URL that is not http(s), a host that does not resolve, or an
    ///   address that is refused.
    public func check(_ text: String) throws(AddressGuardError) -> Target {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let rawHost = url.host, !rawHost.isEmpty
        else {
            throw AddressGuardError(kind: .invalid, message: "\(text) is not an http or https URL")
        }
        let host = rawHost.hasPrefix("[") ? String(rawHost.dropFirst().dropLast()) : rawHost
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        let addresses = try Self.resolve(host)
        for address in addresses {
            if let reason = refusal(address) {
                throw AddressGuardError(
                    kind: .refused,
                    message: "refused \(text): \(host) resolves to \(reason); an operator can allow it with \(allowOption) CIDR")
            }
        }
        // A numeric host needs no pinning (there is no lookup to change), and libcurl could not read a
        // `::1:8080:[::1]` entry anyway: only names are pinned.
        guard CIDR.parseAddress(host) == nil else { return Target(host: host, port: port, resolve: []) }
        let listed = addresses.map { $0.count == 16 ? "[\(Self.format($0))]" : Self.format($0) }
        return Target(host: host, port: port, resolve: ["\(host):\(port):" + listed.joined(separator: ",")])
    }

    /// ``check(_:)`` on a thread of its own (name resolution blocks), for async code.
    public func checkOffPool(_ text: String) async -> Result<Target, AddressGuardError> {
        await DedicatedThread.run(name: "address-check") {
            do throws(AddressGuardError) { return .success(try check(text)) } catch { return .failure(error) }
        }
    }

    /// Every address `host` resolves to (a numeric host is its own address).
    static func resolve(_ host: String) throws(AddressGuardError) -> [[UInt8]] {
        if let numeric = CIDR.parseAddress(host) { return [numeric] }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            throw AddressGuardError(kind: .unresolved, message: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }
        var addresses: [[UInt8]] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let address = current.pointee.ai_addr {
                if current.pointee.ai_family == AF_INET {
                    var v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    addresses.append(withUnsafeBytes(of: &v4) { Array($0) })
                } else if current.pointee.ai_family == AF_INET6 {
                    var v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    addresses.append(withUnsafeBytes(of: &v6) { Array($0) })
                }
            }
            entry = current.pointee.ai_next
        }
        var seen = Set<[UInt8]>()
        addresses = addresses.filter { seen.insert($0).inserted }
        guard !addresses.isEmpty else { throw AddressGuardError(kind: .unresolved, message: "\(host) has no IPv4 or IPv6 address") }
        return addresses
    }

    /// An address as text (`127.0.0.1`, `fe80::1`).
    static func format(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
