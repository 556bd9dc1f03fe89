// swift-tools-version:6.1
import PackageDescription

// MARK: - Dependencies
// Every dependency comes from the local mirror by its GitHub URL; keep the set lean, because each
// package is rebuilt from scratch in every CI run.

let swiftArgumentParser = Package.Dependency.package(
    url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2")
let swiftLog = Package.Dependency.package(url: "https://github.com/apple/swift-log.git", from: "1.16.2")
let swiftServiceLifecycle = Package.Dependency.package(
    url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0")
let grdb = Package.Dependency.package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0")
let swiftCrypto = Package.Dependency.package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3")
let hdrHistogram = Package.Dependency.package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0")
// Already built for service-lifecycle, so naming it costs nothing: its timers replace sleep loops.
let swiftAsyncAlgorithms = Package.Dependency.package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.3")
// Also built already (async-algorithms uses it): its Heap orders the feed's redeliveries.
let swiftCollections = Package.Dependency.package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0")

// The HTTP gateway's server (issue 15). The heaviest package here: it brings SwiftNIO, and adds about
// three minutes to a cold build on two cores. Without its default trait that pulls in swift-configuration.
let hummingbird = Package.Dependency.package(
    url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"])

// Already resolved for Hummingbird; named so the gateway can spell header names Hummingbird does not export.
let swiftHTTPTypes = Package.Dependency.package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0")

// Metrics (issue 15): swift-metrics is tiny; swift-prometheus adds little beyond swift-atomics.
let swiftMetrics = Package.Dependency.package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0")
let swiftPrometheus = Package.Dependency.package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1")
// The e-mail templates (issue 16): Mustache with no dependencies of its own; seconds of build time.
let swiftMustache = Package.Dependency.package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1")

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals = Target.Dependency.product(name: "UnixSignals", package: "swift-service-lifecycle")
let grdbProduct = Target.Dependency.product(name: "GRDB", package: "GRDB.swift")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
let histogram = Target.Dependency.product(name: "Histogram", package: "hdrhistogram-swift")
let asyncAlgorithms = Target.Dependency.product(name: "AsyncAlgorithms", package: "swift-async-algorithms")
let heap = Target.Dependency.product(name: "HeapModule", package: "swift-collections")
let hummingbirdProduct = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let httpTypes = Target.Dependency.product(name: "HTTPTypes", package: "swift-http-types")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let coreMetrics = Target.Dependency.product(name: "CoreMetrics", package: "swift-metrics")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")
let mustache = Target.Dependency.product(name: "Mustache", package: "swift-mustache")

let package = Package(
    name: "news-pipeline",
    products: [
        .library(name: "NewsModel", targets: ["NewsModel"]),
        .library(name: "NewsTransport", targets: ["NewsTransport"]),
        .library(name: "StageRuntime", targets: ["StageRuntime"]),
        .executable(name: "ingest", targets: ["ingest"]),
        .executable(name: "tag", targets: ["tag"]),
        .executable(name: "index", targets: ["index"]),
        .executable(name: "notify", targets: ["notify"]),
        .executable(name: "newsctl", targets: ["newsctl"]),
        .executable(name: "gateway", targets: ["gateway"]),
    ],
    dependencies: [swiftArgumentParser, swiftLog, swiftServiceLifecycle, swiftAsyncAlgorithms, swiftCollections, grdb, swiftCrypto, hdrHistogram, hummingbird, swiftHTTPTypes, swiftMetrics, swiftPrometheus, swiftMustache],
    targets: [
        // MARK: - ZeroMQ
        // libzmq from Debian's libzmq3-dev; the header sits in /usr/include, so no pkg-config is needed
        // (pkg-config on Debian prints a "prohibited flag" warning on every build).
        .systemLibrary(name: "CZeroMQ", providers: [.apt(["libzmq3-dev"])]),
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
        // libcurl from Debian's libcurl4-openssl-dev, for polling feed URLs; C wrappers for its variadic
        // calls. (Foundation's URLSession on Linux wedged after cancelled transfers; see docs/ARCHITECTURE.md.)
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        // HTTP requests on dedicated threads: feed polls (ingest) and webhook deliveries (notify).
        .target(name: "HTTPClient", dependencies: ["CCurl", "NewsModel"]),

        // MARK: - Shared libraries, one concept each
        // The domain: stories, tags, alerts, their JSON codec and envelopes, the control protocol's
        // messages, the query language, text folding, and reading lines of input.
        .target(name: "NewsModel", dependencies: [crypto]),
        // How stages talk: ZeroMQ sockets on their threads, endpoints and CURVE, the control client,
        // and the reliable feed (journal, feed server and consumer, the feed's state machine).
        .target(name: "NewsTransport", dependencies: ["NewsModel", "ZeroMQ", logging, asyncAlgorithms, heap, grdbProduct, metrics]),
        // What an operator scrapes and reads: Prometheus metrics, /healthz and /readyz, JSON logs.
        .target(name: "Telemetry", dependencies: [logging, serviceLifecycle, hummingbirdProduct, metrics, coreMetrics, prometheus]),
        // What every stage process runs on: options, the service group, counters, the control loop,
        // the stage loop and the stage's output (journal, feed and live stream).
        .target(
            name: "StageRuntime",
            dependencies: [
                "NewsModel", "NewsTransport", "ZeroMQ", "Telemetry", argumentParser, logging, serviceLifecycle, unixSignals, asyncAlgorithms, metrics,
            ]),

        // MARK: - Stage logic (libraries that tests import)
        .target(name: "IngestStage", dependencies: ["NewsModel", "NewsTransport", "StageRuntime", "HTTPClient", argumentParser, logging, serviceLifecycle, asyncAlgorithms, grdbProduct]),
        .target(
            name: "TagStage",
            dependencies: ["NewsModel", "NewsTransport", "StageRuntime", argumentParser, logging, serviceLifecycle],
            resources: [.copy("Resources/gazetteer"), .copy("Resources/taxonomy.json"), .copy("Resources/TAXONOMY-NOTICE.md"), .copy("Resources/topics.model"), .copy("Resources/entities.model")]
        ),
        .target(
            name: "IndexStage",
            dependencies: ["NewsModel", "NewsTransport", "StageRuntime", argumentParser, logging, serviceLifecycle, grdbProduct, metrics]
        ),
        .target(
            name: "NotifyStage",
            dependencies: ["NewsModel", "NewsTransport", "StageRuntime", "ZeroMQ", "HTTPClient", argumentParser, logging, serviceLifecycle, asyncAlgorithms, grdbProduct, crypto, metrics, mustache],
            resources: [.copy("Resources/mail")]
        ),
        .target(name: "NewsCtlCommands", dependencies: ["NewsModel", "NewsTransport", "ZeroMQ", argumentParser, logging]),
        // The HTTP front door: the REST API, live streams, tokens and the web console, a client of the
        // stages' control sockets and feeds as newsctl is.
        .target(
            name: "Gateway",
            dependencies: [
                "NewsModel", "NewsTransport", "StageRuntime", "ZeroMQ", "Telemetry", argumentParser, logging, serviceLifecycle, unixSignals, hummingbirdProduct,
                httpTypes, metrics, asyncAlgorithms,
            ],
            resources: [.copy("Resources/openapi.yaml"), .copy("Resources/console")]),

        // MARK: - Executables (thin @main wrappers)
        .executableTarget(name: "ingest", dependencies: ["IngestStage", argumentParser]),
        .executableTarget(name: "tag", dependencies: ["TagStage", argumentParser]),
        .executableTarget(name: "index", dependencies: ["IndexStage", argumentParser]),
        .executableTarget(name: "notify", dependencies: ["NotifyStage", argumentParser]),
        .executableTarget(name: "newsctl", dependencies: ["NewsCtlCommands", argumentParser]),
        .executableTarget(name: "gateway", dependencies: ["Gateway", argumentParser]),
        // `make bench`: the pipeline and the raw transport measured in one run (not shipped to users).
        .executableTarget(
            name: "news-bench", dependencies: ["NewsModel", "NewsTransport", "IngestStage", "TagStage", "IndexStage", "NotifyStage", "ZeroMQ", argumentParser, logging, histogram]),

        // `make fuzz`: libFuzzer over every parser ingest runs on untrusted input (not shipped to users).
        .executableTarget(name: "ingest-fuzz", dependencies: ["IngestStage"]),

        // MARK: - Tests
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
        .testTarget(name: "NewsModelTests", dependencies: ["NewsModel", "NewsTransport", "ZeroMQ", logging]),
        .testTarget(
            name: "StageTests",
            dependencies: ["IngestStage", "TagStage", "IndexStage", "NotifyStage", "NewsModel", "HTTPClient", grdbProduct],
            exclude: ["FuzzInputs", "Fixtures"]
        ),
        .testTarget(
            name: "PipelineTests", dependencies: ["NewsModel", "NewsTransport", "ZeroMQ", logging, grdbProduct, crypto], exclude: ["Support/feed_server.py"]),
    ]
)

for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    var settings = target.swiftSettings ?? []
    // https://github.com/apple/swift-evolution/blob/main/proposals/0335-existential-any.md
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0444-member-import-visibility.md
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
