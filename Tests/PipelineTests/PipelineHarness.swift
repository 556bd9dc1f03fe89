import Foundation
import Synchronization
import Testing

/// What a finished command printed and how it exited.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// A process's exit status and the tasks waiting for it.
final class ExitState: Sendable {
    private let state = Mutex<(status: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))

    func withLock<T>(_ body: (inout (status: Int32?, waiters: [CheckedContinuation<Int32, Never>])) -> T) -> T {
        state.withLock { body(&$0) }
    }
}

/// A flag shared between tasks.
final class Flag: Sendable {
    let value = Atomic<Bool>(false)
}

/// A child process started by a test, with its output in files and an awaitable exit.
final class ChildProcess: @unchecked Sendable {
    let name: String
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL
    private let exit = ExitState()

    init(
        name: String, executable: URL, arguments: [String], directory: URL, environment: [String: String] = [:],
        standardInput: URL? = nil
    ) throws {
        self.name = name
        stdoutURL = directory.appendingPathComponent("\(name).out")
        stderrURL = directory.appendingPathComponent("\(name).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let input = try standardInput.map { try FileHandle(forReadingFrom: $0) }
        let output = try FileHandle(forWritingTo: stdoutURL)
        let error = try FileHandle(forWritingTo: stderrURL)
        // The child has its own copies once it runs; closing ours keeps the test process's descriptors
        // below FD_SETSIZE (Foundation's Process crashes past it).
        defer {
            try? input?.close()
            try? output.close()
            try? error.close()
        }
        process.standardInput = input ?? FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = error
        process.terminationHandler = { [exit] process in
            let waiters = exit.withLock { state in
                state.status = process.terminationStatus
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: process.terminationStatus) }
        }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { exit.withLock { $0.status == nil } }
    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Waits for the process to exit. A process still running after `timeout` is killed, and the
    /// result is nil.
    func waitForExit(timeout: Duration) async -> Int32? {
        let timedOut = Flag()
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            timedOut.value.store(true, ordering: .sequentiallyConsistent)
            self.signal(SIGKILL)
        }
        let status = await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let done = exit.withLock { state -> Int32? in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
        watchdog.cancel()
        return timedOut.value.load(ordering: .sequentiallyConsistent) ? nil : status
    }

    func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// Four real stage processes on ipc sockets in a temporary run directory, and `newsctl` to talk to
/// them. Always call ``shutdown()``.
final class PipelineHarness: @unchecked Sendable {
    static let stages = ["ingest", "tag", "index", "notify"]

    let runDirectory: URL
    let binDirectory: URL
    private let children = Mutex<[String: ChildProcess]>([:])

    /// The directory of the built executables: `NEWS_BIN_DIR`, or the test binary's own directory.
    static var builtBinaries: URL {
        if let configured = ProcessInfo.processInfo.environment["NEWS_BIN_DIR"], !configured.isEmpty {
            return URL(fileURLWithPath: configured, isDirectory: true)
        }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent()
    }

    /// The repository root.
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs `body` with a fresh harness and always shuts it down afterwards, even when `body` throws.
    static func with(_ body: (PipelineHarness) async throws -> Void) async throws {
        let harness = try PipelineHarness()
        do {
            try await body(harness)
        } catch {
            await harness.shutdown()
            throw error
        }
        await harness.shutdown()
    }

    private init() throws {
        // ipc:// paths must stay under 108 bytes, so the run directory lives directly in /tmp.
        var template = Array("/tmp/npt-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        runDirectory = URL(fileURLWithPath: String(cString: made), isDirectory: true)
        binDirectory = Self.builtBinaries
    }

    func executable(_ name: String) -> URL { binDirectory.appendingPathComponent(name) }

    /// Starts one stage with `--run-dir` and any extra arguments; `name` (default: the stage) names its
    /// output files and lets the test find it again.
    @discardableResult
    func start(_ stage: String, as name: String? = nil, _ extra: [String] = []) throws -> ChildProcess {
        let name = name ?? stage
        let child = try ChildProcess(
            name: name, executable: executable(stage),
            arguments: ["--run-dir", runDirectory.path, "--log-level", "debug", "--exit-with-parent"] + extra,
            directory: runDirectory)
        children.withLock { $0[name] = child }
        return child
    }

    /// Starts any program, stopped with the stages at shutdown.
    func startProcess(
        name: String, executable: URL, arguments: [String], standardInput: URL? = nil
    ) throws -> ChildProcess {
        let child = try ChildProcess(
            name: name, executable: executable, arguments: arguments, directory: runDirectory, standardInput: standardInput)
        children.withLock { $0[name] = child }
        return child
    }

    /// Starts replica `index` of `stage` as instance `<stage>-<index>`.
    @discardableResult
    func startReplica(_ stage: String, _ index: Int, _ extra: [String] = []) throws -> ChildProcess {
        try start(stage, as: "\(stage)-\(index)", ["--instance", "\(stage)-\(index)"] + extra)
    }

    /// Starts the four stages and waits until they answer and their streams are connected.
    func startAll() async throws {
        for stage in Self.stages { try start(stage) }
        let ready = try await newsctl("status", ["--wait", "30"], timeout: .seconds(40))
        #expect(ready.status == 0, "pipeline not ready: \(ready.stderr)\n\(logs())")
    }

    func child(_ name: String) -> ChildProcess? { children.withLock { $0[name] } }

    /// Runs `newsctl SUBCOMMAND --run-dir … ARGS` to completion (`SUBCOMMAND` may be two words, such
    /// as `feeds add`).
    func newsctl(
        _ subcommand: String, _ arguments: [String] = [], timeout: Duration = .seconds(30), standardInput: URL? = nil
    ) async throws -> CommandResult {
        let child = try ChildProcess(
            name: "newsctl-\(UUID().uuidString.prefix(8))", executable: executable("newsctl"),
            arguments: subcommand.split(separator: " ").map(String.init) + ["--run-dir", runDirectory.path] + arguments,
            directory: runDirectory, standardInput: standardInput)
        let status = await child.waitForExit(timeout: timeout)
        return CommandResult(status: status ?? -1, stdout: child.stdout, stderr: child.stderr)
    }

    /// Starts a long-running `newsctl` (such as `alerts --follow`).
    func startNewsctl(_ subcommand: String, _ arguments: [String] = [], name: String) throws -> ChildProcess {
        let child = try ChildProcess(
            name: name, executable: executable("newsctl"), arguments: [subcommand, "--run-dir", runDirectory.path] + arguments,
            directory: runDirectory)
        children.withLock { $0[name] = child }
        return child
    }

    /// Every replica's status of one stage, read with `newsctl status STAGE --json`.
    func statuses(_ stage: String) async throws -> [[String: Any]] {
        let result = try await newsctl("status", [stage, "--json"], timeout: .seconds(10))
        return result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// A counter summed over the replicas of `stage` that answer.
    func counter(_ stage: String, _ name: String) async throws -> Int {
        try await statuses(stage).reduce(0) { $0 + (($1["counters"] as? [String: Any])?[name] as? Int ?? 0) }
    }

    /// Writes a file in the run directory.
    func write(_ name: String, _ text: String) throws -> URL {
        let url = runDirectory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// The stages' stderr, for failure messages.
    func logs() -> String {
        Self.stages.map { stage in "--- \(stage)\n" + (child(stage)?.stderr.suffix(3000) ?? "") }.joined(separator: "\n")
    }

    /// Sends SIGTERM to everything still running, waits, then removes the run directory.
    func shutdown() async {
        let all = children.withLock { Array($0.values) }
        for child in all { child.signal(SIGTERM) }
        for child in all { _ = await child.waitForExit(timeout: .seconds(10)) }
        try? FileManager.default.removeItem(at: runDirectory)
    }
}
