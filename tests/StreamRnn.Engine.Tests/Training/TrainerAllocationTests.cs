using System.Reactive.Concurrency;
using StreamRnn.Core;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// A round allocates what it hands on (the candidate snapshot, the round's result), never per mini-batch: the
/// optimiser step works on scratch weights overwritten in place.
/// </summary>
[Trait("Category", "Unit")]
public sealed class TrainerAllocationTests
{
    private static readonly ModelShape Shape = new(CellKind.Lstm, 1, 32, 1, HeadKind.Gaussian);

    private static long BytesForRoundOf(int windows)
    {
        using var registry = new ModelRegistry(ModelWeights.Initialize(Shape, 3));
        using var trainer = new OnlineTrainer("p", new TrainingOptions
        {
            Enabled = true,
            WindowSteps = 16,
            BatchWindows = 8,
            TrainEveryWindows = 64,
            WarmupWindows = 0,
            QueueCapacity = 4096,
            HoldBackWindows = 16,
            PromotionTolerance = 1e9, // promote whatever comes out: the same work every round
        }, registry, new HistoricalScheduler());
        var random = new Random(5);

        // Warm-up round: JIT, pools, Adam's moments, the scratch weights.
        for (int i = 0; i < 16 + 64; i++)
        {
            var window = trainer.Pool.Rent();
            TrainingData.FillRandom(window, random);
            trainer.Submit(window);
        }

        Assert.Equal(64, trainer.RunRound().WindowsTrained);
        for (int i = 0; i < windows; i++)
        {
            var window = trainer.Pool.Rent();
            TrainingData.FillRandom(window, random);
            trainer.Submit(window);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        var result = trainer.RunRound();
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(RoundOutcome.Promoted, result.Outcome);
        Assert.Equal(windows, result.WindowsTrained);
        return bytes;
    }

    [Fact]
    public void Mini_batches_allocate_nothing_only_the_round_does()
    {
        long small = BytesForRoundOf(8 * 4);
        long large = BytesForRoundOf(8 * 100);

        // 96 more mini-batches cost (next to) nothing; before scratch weights each cost one snapshot (≈ 20 KB here).
        double perBatch = (large - small) / 96.0;
        Assert.True(perBatch < 64, $"{perBatch:F0} bytes per mini-batch (round of 4 batches: {small} B, of 100: {large} B)");
    }
}
