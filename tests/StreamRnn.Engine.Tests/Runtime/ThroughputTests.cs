using System.Diagnostics;
using StreamRnn.Core;
using Xunit.Abstractions;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// A quick in-memory measurement of Process (decode → normalise → batched step → prediction JSON) for an
/// LSTM with H = 32, printed to the test output. The bound asserted is deliberately loose (the machine is
/// shared with parallel builds); the benchmark project measures properly.
/// </summary>
public sealed class ThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public void Process_throughput_for_lstm_h32()
    {
        var definition = TestPipelines.Stocks(CellKind.Lstm, hidden: 32);
        var runtime = TestPipelines.Runtime(definition);
        var sink = new NullSink();
        var records = TestPipelines.StockRecords(200_000, keys: 1000, seed: 99);
        const int chunk = 500;
        runtime.Process(records.AsSpan(0, 20_000), sink);

        var stopwatch = Stopwatch.StartNew();
        for (int start = 20_000; start < records.Length; start += chunk)
        {
            runtime.Process(records.AsSpan(start, chunk), sink);
        }

        stopwatch.Stop();
        double perSecond = (records.Length - 20_000) / stopwatch.Elapsed.TotalSeconds;
        output.WriteLine($"LSTM H=32, 3 features, 1000 keys, {chunk} records per call: {perSecond:N0} records/s " +
                         $"({1e6 / perSecond:F2} µs per record), {runtime.BytesPerKey} bytes per key");
        Assert.Equal(0, sink.DeadLetters);
        Assert.True(perSecond > 20_000, $"{perSecond:N0} records/s");
    }
}
