import Foundation
import NewsModel
import ZeroMQ

/// Key files as `newsctl keys generate` writes them: `NAME.key` holds the key pair (mode 0600) and
/// `NAME.pub` the public key, each a `name = value` line (`public-key`, `secret-key`) after comments.
public enum CurveKeyFile {
    /// Writes `<prefix>.key` and `<prefix>.pub` for a new key pair and returns it.
    public static func generate(prefix: String) throws -> ZMQCurveKeyPair {
        let pair = try ZMQCurveKeyPair.generate()
        let secretPath = prefix + ".key"
        guard !FileManager.default.fileExists(atPath: secretPath) else {
            throw CocoaError(.fileWriteFileExists, userInfo: [NSFilePathErrorKey: secretPath])
        }
        let secret = """
            # CurveZMQ key pair for news-pipeline. Keep this file secret: it is this host's identity.
            public-key = \(pair.publicKey)
            secret-key = \(pair.secretKey)

            """
        guard FileManager.default.createFile(atPath: secretPath, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: secretPath])
        }
        let publicText = "# CurveZMQ public key for news-pipeline: give it to peers (--curve-allow, --curve-server-key).\npublic-key = \(pair.publicKey)\n"
        try publicText.write(toFile: prefix + ".pub", atomically: true, encoding: .utf8)
        return pair
    }

    /// The key pair in a `.key` file.
    public static func readKeyPair(_ path: String) throws(TransportError) -> ZMQCurveKeyPair {
        let values = try read(path)
        guard let secret = values["secret-key"], ZMQCurveKeyPair.isKey(secret), let derived = ZMQCurveKeyPair.publicKey(of: secret) else {
            throw TransportError(code: .security, endpoint: "", message: "\(path) has no valid secret-key line (make one with newsctl keys generate)")
        }
        if let stated = values["public-key"], stated != derived {
            throw TransportError(code: .security, endpoint: "", message: "\(path): the public-key does not belong to the secret-key")
        }
        return ZMQCurveKeyPair(publicKey: derived, secretKey: secret)
    }

    /// A public key given as Z85 text, or the `public-key` of a `.pub` or `.key` file.
    public static func readPublicKey(_ textOrPath: String) throws(TransportError) -> String {
        if ZMQCurveKeyPair.isKey(textOrPath) { return textOrPath }
        let values = try read(textOrPath)
        if let key = values["public-key"], ZMQCurveKeyPair.isKey(key) { return key }
        if let secret = values["secret-key"], let key = ZMQCurveKeyPair.publicKey(of: secret) { return key }
        throw TransportError(code: .security, endpoint: "", message: "\(textOrPath) holds no valid public-key line")
    }

    /// Every public key allowed by `paths`: `.pub` files, or directories of them.
    public static func readAllowList(_ paths: [String]) throws(TransportError) -> Set<String> {
        var keys = Set<String>()
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw TransportError(code: .security, endpoint: "", message: "--curve-allow \(path): no such file or directory")
            }
            if isDirectory.boolValue {
                let files = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".pub") }.sorted()
                for file in files { keys.insert(try readPublicKey(path + "/" + file)) }
            } else {
                keys.insert(try readPublicKey(path))
            }
        }
        return keys
    }

    private static func read(_ path: String) throws(TransportError) -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TransportError(code: .security, endpoint: "", message: "cannot read the key file \(path)")
        }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        return values
    }
}
