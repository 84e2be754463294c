using System.Buffers.Binary;
using System.Text.Json;
using StreamRnn.Core;

namespace StreamRnn.Daemon.Tests.EndToEnd;

public sealed partial class OnlineTrainingTests
{
    [Fact]
    public async Task A_pipeline_with_several_horizons_serves_each_and_trains_on_windows_of_all_of_them()
    {
        const int keys = 4;
        var pipeline = CreatePipeline("horizons", learningRate: 0.02,
            target: """{ "Field": "value", "Transform": "Difference", "Horizons": [1, 4] }""");
        await using var daemon = StartDaemon(pipeline, "one", "horizons");
        var address = await daemon.WaitForHttpAsync(Timeout);
        const int steps = 5 * ChunkSteps;

        using var producer = CreateProducer();
        await ProducePacedAsync(daemon, address, producer, pipeline, keys, 0, steps, waitForRounds: true);
        var predictions = await ConsumePredictionsAsync(pipeline.Definition, keys * (steps - 1));

        // Every prediction lists both horizons; the first is the top-level forecast, the second has one from step 5 on
        // (its target statistics start after 4 steps) whose level is the current value plus the forecast change.
        int segment = Taxi.Value.Length / keys;
        foreach (var prediction in predictions.Values)
        {
            var root = JsonDocument.Parse(prediction.Json).RootElement;
            var horizons = root.GetProperty("horizons").EnumerateArray().ToArray();
            Assert.Equal([1, 4], horizons.Select(h => h.GetProperty("h").GetInt32()));
            Assert.Equal(prediction.Mean, horizons[0].GetProperty("mean").GetDouble());
            Assert.Equal(1, root.GetProperty("horizon").GetInt32());
            if (prediction.Step >= 4)
            {
                double current = Taxi.Value[int.Parse(prediction.Key["taxi-".Length..], System.Globalization.CultureInfo.InvariantCulture) * segment + (int)prediction.Step];
                double mean = horizons[1].GetProperty("mean").GetDouble();
                Assert.True(horizons[1].GetProperty("stddev").GetDouble() > 0, prediction.Json);
                Assert.True(Math.Abs(current + mean - horizons[1].GetProperty("level").GetDouble()) <= 1e-6 * Math.Max(1, Math.Abs(current)), prediction.Json);
            }
            else
            {
                Assert.False(horizons[1].TryGetProperty("mean", out _), prediction.Json);
            }
        }

        // Rounds ran on two-horizon windows: verdicts were given, and the journal's segments say two targets per step.
        Assert.True(await VerdictsAsync(address) >= 3, daemon.Transcript);
        string directory = Path.Combine(_scratch.Combine("state-horizons"), pipeline.Definition.Name);
        string[] segments = Directory.GetFiles(Path.Combine(directory, "windows"), "windows-*.wal");
        Assert.NotEmpty(segments);
        byte[] header = new byte[24];
        using (var stream = new FileStream(segments[0], FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            stream.ReadExactly(header);
        }

        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(20)));

        // A promoted version is stored as a format-2 weight file of the two-horizon shape.
        foreach (string file in Directory.GetFiles(directory, "model-*.srnn"))
        {
            using var stream = File.OpenRead(file);
            Assert.Equal(2, ModelWeights.ReadFrom(stream).Shape.Horizons);
        }
    }
}
