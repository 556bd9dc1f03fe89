import ArgumentParser
import Foundation
import Logging

/// Options every stage takes.
public struct StageOptions: ParsableArguments, Sendable {
    /// Creates the options with their defaults.
    public init() {}

    /// The run directory that holds the default ipc sockets and data.
    @Option(
        name: .customLong("run-dir"),
        help: ArgumentHelp("Directory for the default ipc:// sockets and data (env NEWS_RUN_DIR).", valueName: "dir"))
    public var runDirectory: String = ProcessInfo.processInfo.environment["NEWS_RUN_DIR"] ?? "run"

    /// This process's instance name, stable across restarts; its producer id.
    @Option(help: ArgumentHelp("Instance name, stable across restarts (default: <stage>-0).", valueName: "name"))
    public var instance: String?

    /// The log level.
    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    public var logLevel: String = ProcessInfo.processInfo.environment["NEWS_LOG_LEVEL"] ?? "info"

    /// The layout the defaults come from.
    public var layout: PipelineLayout { PipelineLayout(runDirectory: runDirectory) }

    public func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// Sends every log line of this process to stderr at the chosen level. Call once, from `run()`.
    public func bootstrapLogging() {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
