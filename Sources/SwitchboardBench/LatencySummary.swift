import Histogram

/// Latency percentiles in microseconds, summarised from an HdrHistogram.
public struct LatencySummary: Codable, Hashable, Sendable {
    /// Number of samples.
    public var count: UInt64
    /// Smallest sample, µs.
    public var min: UInt64
    /// Mean, µs.
    public var mean: Double
    /// Median, µs.
    public var p50: UInt64
    /// 90th percentile, µs.
    public var p90: UInt64
    /// 99th percentile, µs.
    public var p99: UInt64
    /// 99.9th percentile, µs.
    public var p999: UInt64
    /// Largest sample, µs.
    public var max: UInt64

    /// Summarises `histogram` (values in µs); all zero when it is empty.
    init(_ histogram: Histogram<UInt64>) {
        count = histogram.totalCount
        guard count > 0 else {
            min = 0; mean = 0; p50 = 0; p90 = 0; p99 = 0; p999 = 0; max = 0
            return
        }
        min = histogram.min
        mean = (histogram.mean * 10).rounded() / 10
        p50 = histogram.valueAtPercentile(50)
        p90 = histogram.valueAtPercentile(90)
        p99 = histogram.valueAtPercentile(99)
        p999 = histogram.valueAtPercentile(99.9)
        max = histogram.max
    }

    /// A histogram for latencies from 1 µs to 1 h at 3 significant digits.
    static func makeHistogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }

    /// Records a latency given in nanoseconds (clamped into the histogram's range).
    static func record(nanoseconds: UInt64, into histogram: inout Histogram<UInt64>) {
        let micros = Swift.max(1, Swift.min(nanoseconds / 1000, 3_600_000_000))
        _ = histogram.record(micros)
    }
}
