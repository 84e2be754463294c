using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using Xunit.Abstractions;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// The alert path in steady state allocates (almost) nothing per prediction: measured as bytes allocated on the
/// runtime's thread around <see cref="PipelineRuntime.Process"/>, with the rules attached and without.
/// </summary>
[Trait("Category", "Unit")]
public sealed class AlertAllocationTests(ITestOutputHelper output)
{
    private const int Keys = 64;
    private const int Warmup = 64 * 40;
    private const int Measured = 64 * 160;
    private const int Chunk = 256;

    public static TheoryData<string, double, double> Rules => new()
    {
        // Never reaches the threshold: every reading breaks the run.
        { "idle", 0.999, 0.5 },
        // Raises once per key during the warm-up and never clears (q < 0 is impossible): raised, hysteresis band.
        { "raised", 0.01, 0 },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void The_alert_path_allocates_at_most_one_byte_per_prediction_in_steady_state(string name, double threshold, double clear)
    {
        var records = Readings(Warmup + Measured);
        long without = Measure(records, alerts: null, out long predictionsOff, out _);
        var alerts = new AlertOptions { Event = "exit", Threshold = threshold, ClearThreshold = clear, MinReadings = 2, CriticalThreshold = null };
        long with = Measure(records, alerts, out long predictions, out long raised);

        double perPrediction = (double)(with - without) / predictions;
        output.WriteLine($"{name}: {without} bytes without alerts, {with} with, over {predictions} predictions: {perPrediction:F3} B per prediction; {raised} alerts");
        Assert.Equal(predictionsOff, predictions);
        Assert.Equal(Measured, predictions);
        Assert.Equal(name == "raised" ? Keys : 0, raised);
        Assert.True(perPrediction <= 1, $"{perPrediction:F3} bytes per prediction on the alert path");
    }

    private static long Measure(InputRecord[] records, AlertOptions? alerts, out long predictions, out long raised)
    {
        var definition = AlertMonitorTests.BedExit();
        definition.Alerts = alerts;
        var runtime = TestPipelines.Runtime(definition);
        using var monitor = AlertMonitor.Create(definition, null);
        runtime.PredictionObserver = monitor;
        var sink = new CountingSink();
        for (int start = 0; start < Warmup; start += Chunk)
        {
            runtime.Process(records.AsSpan(start, Chunk), sink);
        }

        long predictionsBefore = sink.Predictions;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int start = Warmup; start < records.Length; start += Chunk)
        {
            runtime.Process(records.AsSpan(start, Math.Min(Chunk, records.Length - start)), sink);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        predictions = sink.Predictions - predictionsBefore;
        raised = sink.Alerts;
        return allocated;
    }

    /// <summary>Readings of <see cref="Keys"/> trials in turn, one second apart per trial.</summary>
    private static InputRecord[] Readings(int count)
    {
        var random = new Random(7);
        var records = new InputRecord[count];
        for (int i = 0; i < count; i++)
        {
            string json = $$"""{"trial":"t{{i % Keys}}","rssi":{{random.Next(-70, -40)}},"in_bed":{{random.Next(2)}}}""";
            records[i] = TestPipelines.Record(json, i, timestamp: 1_700_000_000_000 + (i / Keys) * 1000L);
        }

        return records;
    }

    private sealed class CountingSink : IRecordSink
    {
        public long Predictions;
        public long Alerts;

        public void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source) => Predictions++;

        public void Alert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source) => Alerts++;

        public void DeadLetter(in InputRecord source, DeadLetterReason reason, string detail) => throw new InvalidOperationException(detail);

        public void Changelog(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
        }
    }
}
