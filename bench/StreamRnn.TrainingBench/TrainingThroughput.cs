using System.Diagnostics;
using System.Reactive.Concurrency;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Training;

namespace StreamRnn.TrainingBench;

/// <summary>
/// Windows per second one trainer round gets through (TBPTT forward + backward, Adam, validation on the hold-back
/// set included), measured with <see cref="OnlineTrainer.RunRound"/> on the calling thread over windows of real data.
/// </summary>
internal static class TrainingThroughput
{
    public static double Measure(int hidden)
    {
        var definition = BenchPipeline.Create(hidden);
        definition.Training.QueueCapacity = 8192;
        definition.Training.TrainEveryWindows = 4096;
        var initial = ModelWeights.Initialize(definition.CreateShape(), definition.Model.Seed);
        using var registry = new ModelRegistry(initial);
        using var trainer = new OnlineTrainer("bench", definition.Training, registry, ImmediateScheduler.Instance);
        var runtime = new PipelineRuntime(definition, initial, TimeProvider.System, metrics: null) { Trainer = trainer };
        double[] values = TaxiSeries.Load();
        var sink = new DiscardingSink();

        // Queue 2048 + 128 windows of the taxi series (16 keys, 136 windows each), untimed; the round trains on 2048.
        const int keys = 16;
        int steps = (2048 + 128) / keys * 16 + 16;
        byte[][] key = Enumerable.Range(0, keys).Select(k => System.Text.Encoding.UTF8.GetBytes($"key-{k}")).ToArray();
        var batch = new InputRecord[keys];
        for (int step = 0; step < steps; step++)
        {
            for (int k = 0; k < keys; k++)
            {
                double value = values[(k * 613 + step) % values.Length];
                batch[k] = new InputRecord(0, step, 0, key[k], System.Text.Encoding.UTF8.GetBytes(
                    string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{{\"ts\": {1_700_000_000_000L + step * 1000L}, \"value\": {value:R}}}")));
            }

            runtime.Process(batch, sink);
        }

        // One round over all of them (the first round, so JIT warm-up is included: a conservative figure).
        long started = Stopwatch.GetTimestamp();
        var result = trainer.RunRound();
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return result.WindowsTrained / seconds;
    }
}
