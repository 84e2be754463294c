using System.Diagnostics;
using System.Reactive.Concurrency;
using StreamRnn.Core;
using StreamRnn.Engine.Training;
using Xunit.Abstractions;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// Quick Stopwatch measurements of a whole training round (drain, TBPTT, clipping, Adam, validation of candidate and
/// champion on the hold-back set), printed to the test output. Not a benchmark: a sanity number for the report;
/// the assertions only check that the work was done.
/// </summary>
[Trait("Category", "Unit")]
public sealed class TrainingThroughputTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void Lstm_round_throughput_with_k16_and_batch32(int hidden)
    {
        const int windowsPerRound = 1024;
        var shape = new ModelShape(CellKind.Lstm, 1, hidden, 1, HeadKind.Linear);
        var options = new TrainingOptions
        {
            Enabled = true,
            WindowSteps = 16,
            BatchWindows = 32,
            TrainEveryWindows = windowsPerRound,
            QueueCapacity = windowsPerRound,
            HoldBackWindows = 128,
            WarmupWindows = 0,
        };
        using var registry = new ModelRegistry(ModelWeights.Initialize(shape, 5));
        using var trainer = new OnlineTrainer("bench", options, registry, new HistoricalScheduler());
        var random = new Random(17);

        void Fill()
        {
            for (int i = 0; i < windowsPerRound; i++)
            {
                var window = trainer.Pool.Rent();
                TrainingData.FillRandom(window, random);
                trainer.Submit(window);
            }
        }

        Fill();
        trainer.RunRound(); // JIT and first allocations of the pool, the BPTT buffers and Adam

        const int rounds = 3;
        long trained = 0;
        long allocated = 0;
        var elapsed = TimeSpan.Zero;
        for (int r = 0; r < rounds; r++)
        {
            Fill();
            long bytesBefore = GC.GetAllocatedBytesForCurrentThread();
            long started = Stopwatch.GetTimestamp();
            var result = trainer.RunRound();
            elapsed += Stopwatch.GetElapsedTime(started);
            allocated += GC.GetAllocatedBytesForCurrentThread() - bytesBefore;
            trained += result.WindowsTrained;
            Assert.NotEqual(RoundOutcome.Failed, result.Outcome);
        }

        double rate = trained / elapsed.TotalSeconds;
        output.WriteLine($"LSTM H={hidden} I=1 k=16 B=32, hold-back 128: {trained} windows in {elapsed.TotalMilliseconds:F0} ms " +
            $"= {rate:F0} windows/s per round (validation included); {allocated / rounds} bytes allocated per round, " +
            $"{shape.ParameterCount} parameters");
        Assert.Equal(rounds * windowsPerRound, trained);
    }
}
