using Microsoft.Extensions.Time.Testing;
using System.Globalization;
using System.Text;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Engine.Tests;

/// <summary>Pipeline definitions and deterministic record streams for tests.</summary>
internal static class TestPipelines
{
    public static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// The wall clock of test runtimes: years after <see cref="Start"/>, so test streams that span days or months of
    /// event time are history, not records stamped beyond Input:MaxFutureSkew.
    /// </summary>
    public static readonly DateTimeOffset Now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A clock standing at <see cref="Now"/> that moves only when told.</summary>
    public static FakeTimeProvider Clock() => new(Now);

    /// <summary>Daily prices per symbol: log-return and z-scored volume features, log-return target, Gaussian head.</summary>
    public static PipelineDefinition Stocks(CellKind cell = CellKind.Lstm, int hidden = 16, int horizon = 1) => new()
    {
        Name = "stocks",
        InputTopic = "prices",
        OutputTopic = "predictions",
        Key = new KeyOptions { Source = KeySource.Field, Field = "symbol" },
        EventTime = new EventTimeOptions { Source = EventTimeSource.Field, Field = "date", Format = EventTimeFormat.Iso8601 },
        Features =
        [
            new FeatureOptions { Field = "close", Transform = FeatureTransform.LogReturn },
            new FeatureOptions { Field = "volume", Transform = FeatureTransform.ZScore },
            new FeatureOptions { Field = "open", Transform = FeatureTransform.Difference },
        ],
        Target = new TargetOptions { Field = "close", Transform = TargetTransform.LogReturn, Horizon = horizon },
        Model = new ModelOptions { Cell = cell, HiddenSize = hidden, Layers = 1, Head = HeadKind.Gaussian, Seed = 7 },
        // The test clock stays at Start while the generated records run days ahead of it.
    };

    /// <summary>Sensor readings keyed by record key: raw, z-score and one-hot features, raw target, Linear head.</summary>
    public static PipelineDefinition Sensors() => new()
    {
        Name = "sensors",
        InputTopic = "readings",
        OutputTopic = "sensor-predictions",
        Features =
        [
            new FeatureOptions { Field = "temperature", Transform = FeatureTransform.ZScore },
            new FeatureOptions { Field = "load", Transform = FeatureTransform.Raw },
            new FeatureOptions { Field = "mode", Transform = FeatureTransform.OneHot, Categories = ["idle", "run", "fault"] },
        ],
        Target = new TargetOptions { Field = "temperature", Transform = TargetTransform.Raw },
        Model = new ModelOptions { Cell = CellKind.Gru, HiddenSize = 8, Layers = 2, Head = HeadKind.Linear, Seed = 3 },
    };

    public static ModelWeights Weights(PipelineDefinition definition, long version = 1) =>
        ModelWeights.Initialize(definition.CreateShape(), definition.Model.Seed, version);

    public static PipelineRuntime Runtime(PipelineDefinition definition, TimeProvider? time = null, StreamRnnMetrics? metrics = null) =>
        new(definition, Weights(definition), time ?? Clock(), metrics);

    /// <summary>
    /// <paramref name="count"/> stock records over <paramref name="keys"/> symbols in a fixed pseudo-random
    /// interleaving, offsets 0.. on <paramref name="partitions"/> partitions (partition = symbol index mod partitions).
    /// </summary>
    public static InputRecord[] StockRecords(int count, int keys, int seed = 42, int partitions = 1)
    {
        var random = new Random(seed);
        double[] price = new double[keys];
        int[] day = new int[keys];
        long[] offsets = new long[partitions];
        Array.Fill(price, 100);
        var records = new InputRecord[count];
        for (int i = 0; i < count; i++)
        {
            int k = random.Next(keys);
            double open = price[k];
            price[k] *= Math.Exp(0.02 * (random.NextDouble() - 0.5));
            double volume = 1000 + random.Next(5000);
            string date = Start.AddDays(day[k]++).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            string json = string.Create(CultureInfo.InvariantCulture,
                $"{{\"symbol\":\"S{k}\",\"date\":\"{date}\",\"open\":{open:R},\"close\":{price[k]:R},\"volume\":\"{volume}\"}}");
            int partition = k % partitions;
            records[i] = new InputRecord(partition, offsets[partition]++, 0, ReadOnlyMemory<byte>.Empty, Encoding.UTF8.GetBytes(json));
        }

        return records;
    }

    public static InputRecord Record(string json, long offset = 0, string? key = null, int partition = 0, long timestamp = 1_700_000_000_000) =>
        new(partition, offset, timestamp, key is null ? ReadOnlyMemory<byte>.Empty : Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(json));
}
