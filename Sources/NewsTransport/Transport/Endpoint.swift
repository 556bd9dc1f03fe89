import Foundation
import NewsModel
import ZeroMQ

/// Helpers for ZeroMQ endpoint strings such as `ipc:///run/news/stories.pub` or `tcp://10.0.0.5:7001`.
public enum Endpoint {
    /// The longest path a Unix-domain socket address can hold on Linux (`sun_path` less its NUL).
    public static let maxIPCPathLength = 107

    /// The filesystem path of an `ipc://` endpoint, or nil for other transports.
    public static func ipcPath(_ endpoint: String) -> String? {
        guard endpoint.hasPrefix("ipc://") else { return nil }
        return String(endpoint.dropFirst("ipc://".count))
    }

    /// Checks an endpoint before it is used, so that a user sees a clear sentence instead of errno.
    public static func validate(_ endpoint: String) throws(TransportError) {
        if let path = ipcPath(endpoint) {
            if path.utf8.count > maxIPCPathLength {
                throw TransportError(
                    code: .badEndpoint, endpoint: endpoint,
                    message:
                        "cannot use endpoint \(endpoint): the socket path is \(path.utf8.count) bytes, more than the \(maxIPCPathLength) Linux allows; use a shorter --run-dir"
                )
            }
            return
        }
        let schemes = ["tcp://", "inproc://"]
        guard schemes.contains(where: endpoint.hasPrefix) else {
            throw TransportError(
                code: .badEndpoint, endpoint: endpoint,
                message: "cannot use endpoint \(endpoint): it must start with ipc://, tcp:// or inproc://")
        }
    }

    /// Makes the directory that holds an `ipc://` endpoint's socket file, readable and writable only
    /// by its owner and group (mode 0770, also when it exists and belongs to this user).
    public static func prepareDirectory(for endpoint: String) throws(TransportError) {
        guard let path = ipcPath(endpoint) else { return }
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty else { return }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o770])
        } catch {
            throw TransportError(
                code: .badEndpoint, endpoint: endpoint,
                message: "cannot create the socket directory \(directory): \(error.localizedDescription)")
        }
        var info = stat()
        if stat(directory, &info) == 0, info.st_uid == geteuid(), info.st_mode & 0o777 != 0o770 { chmod(directory, 0o770) }
    }

    /// Removes a bound `ipc://` socket's file once the socket is closed (libzmq leaves it), so a stage
    /// that stopped cleanly leaves nothing that consumers scanning the run directory would wait for.
    static func removeSocketFile(of endpoint: String) {
        guard let path = ipcPath(endpoint), !path.hasPrefix("@") else { return }
        unlink(path)
    }

    /// Limits a bound `ipc://` socket file to its owner and group (mode 0660): connecting needs write
    /// permission, so other users cannot reach the stage.
    static func restrictSocketFile(of endpoint: String) throws(TransportError) {
        guard let path = ipcPath(endpoint), !path.hasPrefix("@") else { return }
        guard chmod(path, 0o660) == 0 else {
            throw TransportError(code: .badEndpoint, endpoint: endpoint, message: "cannot restrict the socket file \(path) to mode 0660")
        }
    }

    /// Binds `socket` to `endpoint`, refusing to take over an `ipc://` path that a live process binds.
    ///
    /// libzmq unlinks an existing socket file and binds anew, so two processes can "share" a path and
    /// split their peers without a word. Before binding, this probes the path: if a process accepts a
    /// connection there, the endpoint is in use.
    public static func bindExclusively(_ socket: ZMQSocket, to endpoint: String) throws(TransportError) {
        try validate(endpoint)
        try prepareDirectory(for: endpoint)
        if let path = ipcPath(endpoint), isListening(path: path) {
            throw TransportError(
                code: .endpointInUse, endpoint: endpoint,
                message: "endpoint in use: another process is listening on \(endpoint); stop it or choose another --run-dir")
        }
        do {
            try socket.bind(endpoint)
        } catch {
            throw TransportError.from(error, endpoint: endpoint)
        }
        try restrictSocketFile(of: endpoint)
    }

    /// True when a process accepts Unix-domain stream connections at `path`.
    public static func isListening(path: String) -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count <= maxIPCPathLength else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return rc == 0
    }
}
