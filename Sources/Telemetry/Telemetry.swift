import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// The process's metrics: swift-metrics with swift-prometheus as its backend, one registry per process,
/// scraped as Prometheus text at `/metrics` (``TelemetryServer``).
public enum Telemetry {
    /// The registry every metric of this process is in.
    public static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped = Atomic<Bool>(false)

    /// Makes swift-metrics record into ``registry`` (once per process; later calls do nothing).
    /// Latencies are histograms with buckets from 1 ms to 30 s.
    public static func bootstrap() {
        guard !bootstrapped.exchange(true, ordering: .sequentiallyConsistent) else { return }
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
        ]
        MetricsSystem.bootstrap(factory)
    }

    /// The metrics as Prometheus text (exposition format 0.0.4).
    public static func exposition() -> String {
        registry.emitToString()
    }

    /// A topic as a metric label: the kind of message, never one label per subscription
    /// (`alert.sub_…` is `alert`).
    public static func topicLabel(_ topic: String) -> String {
        topic.hasPrefix("alert.") ? "alert" : topic
    }
}
