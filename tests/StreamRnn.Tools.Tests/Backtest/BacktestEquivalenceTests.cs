using Microsoft.Extensions.Time.Testing;
using System.Globalization;
using System.Text;
using System.Text.Json;
using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Daemon.Csv;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>
/// The backtest is the daemon's code path, not a second implementation: the same records handed to a
/// <see cref="PipelineRuntime"/> directly, in one call and with another clock, give bit-identical predictions.
/// </summary>
[Trait("Category", "Unit")]
public sealed class BacktestEquivalenceTests
{
    [Fact]
    public void The_backtest_predicts_exactly_what_the_runtime_predicts_for_the_same_records()
    {
        var settings = new BacktestSettings(BacktestFiles.StocksPipeline, BacktestFiles.StocksCsv, "unused", TimeColumn: "date", BatchRows: 7);
        var backtest = new BacktestRunner(settings).Run();

        // The daemon's view: each row as `streamrnn replay` would produce it (CsvRowEncoder), timestamped with its date,
        // consumed in event-time order; here all in one Process call.
        var definition = PipelineDefinition.Load(BacktestFiles.StocksPipeline);
        string[] lines = File.ReadAllLines(BacktestFiles.StocksCsv);
        string[] header = lines[0].Split(',');
        var encoder = new CsvRowEncoder(header);
        var rows = lines.Skip(1)
            .Select((line, index) => (Fields: line.Split(','), Index: index))
            .Select(r => (r.Fields, r.Index, Time: DateTimeOffset.Parse(r.Fields[1], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeMilliseconds()))
            .OrderBy(r => r.Time).ThenBy(r => r.Index)
            .ToList();
        var records = rows.Select((r, offset) => new InputRecord(0, offset, r.Time, ReadOnlyMemory<byte>.Empty, encoder.Encode(r.Fields).ToArray())).ToArray();
        var runtime = new PipelineRuntime(definition, ModelWeights.Initialize(definition.CreateShape(), definition.Model.Seed),
            new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)), null);
        var sink = new JsonSink();
        runtime.Process(records, sink);

        Assert.Equal(750, sink.Predictions.Count);
        Assert.Equal(sink.Predictions.Count, backtest.Sink.Predictions.Count);
        for (int i = 0; i < sink.Predictions.Count; i++)
        {
            var (offset, json) = sink.Predictions[i];
            var expected = JsonDocument.Parse(json).RootElement;
            var actual = backtest.Sink.Predictions[i];
            Assert.Equal(offset, actual.Offset);
            Assert.Equal(expected.GetProperty("key").GetString(), actual.Key);
            Assert.Equal(DateTimeOffset.Parse(expected.GetProperty("ts").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), actual.EventTimeUnixMs);
            Assert.Equal(expected.GetProperty("model_version").GetInt64(), actual.ModelVersion);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected.GetProperty("mean").GetDouble()), BitConverter.DoubleToInt64Bits(actual.Mean));
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected.GetProperty("stddev").GetDouble()), BitConverter.DoubleToInt64Bits(actual.StandardDeviation));
        }

        // And the report's model error, recomputed from these predictions and the CSV's closes, is the backtest's.
        var closes = rows.Select((r, offset) => (Key: r.Fields[0], Close: BacktestFiles.Number(r.Fields[5]), Offset: (long)offset))
            .GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.ToList());
        double absolute = 0;
        int scored = 0;
        foreach (var (offset, json) in sink.Predictions)
        {
            var prediction = JsonDocument.Parse(json).RootElement;
            var series = closes[prediction.GetProperty("key").GetString()!];
            int step = series.FindIndex(r => r.Offset == offset);
            if (step + 1 < series.Count)
            {
                absolute += Math.Abs(Math.Log(series[step + 1].Close / series[step].Close) - prediction.GetProperty("mean").GetDouble());
                scored++;
            }
        }

        var scores = BacktestScoring.Score(backtest);
        Assert.Equal(747, scored);
        Assert.Equal(scored, scores.Overall["model"].Scored);
        Assert.True(Math.Abs(absolute / scored - scores.Overall["model"].Mae) <= 1e-12 * absolute / scored);
    }

    private sealed class JsonSink : IRecordSink
    {
        public List<(long Offset, string Json)> Predictions { get; } = [];

        public void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source) =>
            Predictions.Add((source.Offset, Encoding.UTF8.GetString(json)));

        public void Alert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
        {
        }

        public void DeadLetter(in InputRecord source, DeadLetterReason reason, string detail) =>
            throw new InvalidOperationException($"offset {source.Offset}: {reason} {detail}");

        public void Changelog(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
        }
    }
}
