using System.Reactive.Concurrency;
using StreamRnn.Core;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// Windows in flight survive a restart: a trainer with a journal, "killed" (not disposed) mid-stream, and a second
/// trainer on the same directory that gets back exactly the windows the first had not trained.
/// </summary>
[Trait("Category", "Unit")]
public sealed class OnlineTrainerJournalTests : IDisposable
{
    private static readonly ModelShape Shape = new(CellKind.Lstm, 1, 4, 1, HeadKind.Linear);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "streamrnn-trainer-journal-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static TrainingOptions Options() => new()
    {
        Enabled = true,
        WindowSteps = 4,
        BatchWindows = 8,
        TrainEveryWindows = 200,
        WarmupWindows = 0,
        QueueCapacity = 256,
        HoldBackWindows = 16,
        LearningRate = 1e-3,
    };

    private WindowJournal Journal() => new(_directory, Shape.StateSize, Shape.InputSize, 4, segmentWindows: 32);

    /// <summary>Window n's content is a function of n, so what comes back can be checked against what went in.</summary>
    private static void Submit(OnlineTrainer trainer, int from, int to)
    {
        for (int n = from; n <= to; n++)
        {
            var window = trainer.Pool.Rent();
            TrainingData.FillRandom(window, new Random(n));
            trainer.Submit(window);
        }
    }

    private static void AssertIsWindow(int n, TrainingWindow window)
    {
        var expected = new TrainingWindowPool(Shape.StateSize, Shape.InputSize, 4, 1).Rent();
        TrainingData.FillRandom(expected, new Random(n));
        Assert.Equal(n, window.Sequence);
        Assert.Equal(expected.StartState.ToArray(), window.StartState.ToArray());
        Assert.Equal(expected.Inputs.ToArray(), window.Inputs.ToArray());
        Assert.Equal(expected.Targets.ToArray(), window.Targets.ToArray());
        Assert.Equal(expected.TargetWeights.ToArray(), window.TargetWeights.ToArray());
    }

    [Fact]
    public void With_a_journal_the_trainer_takes_only_checkpointed_windows()
    {
        using var registry = new ModelRegistry(ModelWeights.Initialize(Shape, 3));
        using var trainer = new OnlineTrainer("p", Options(), registry, new HistoricalScheduler());
        using var journal = Journal();
        Assert.Equal(0, trainer.AttachJournal(journal));

        Submit(trainer, 1, 40);
        var before = trainer.RunRound();
        Assert.Equal(RoundOutcome.Skipped, before.Outcome);
        Assert.Equal(40, trainer.Queue.Count);
        Assert.Equal(0, trainer.HoldBackCount);

        trainer.Checkpoint();
        Submit(trainer, 41, 45);
        var after = trainer.RunRound();
        Assert.Equal(24, after.WindowsTrained); // 40 journaled − 16 held back = 24 = 3 batches of 8
        Assert.Equal(16, trainer.HoldBackCount);
        Assert.Equal(5, trainer.Queue.Count); // 41–45 wait for the next checkpoint
        Assert.Equal(21, trainer.WindowsInFlight);
        Assert.Equal(24, trainer.TrainedThrough);
    }

    [Fact]
    public void After_a_crash_the_next_trainer_recovers_exactly_the_windows_not_yet_trained()
    {
        long inFlight;
        using (var registry = new ModelRegistry(ModelWeights.Initialize(Shape, 3)))
        {
            // The first instance: not disposed, as if killed; its journal is only what it handed to the OS.
            var trainer = new OnlineTrainer("p", Options(), registry, new HistoricalScheduler());
            var journal = Journal();
            trainer.AttachJournal(journal);
            Submit(trainer, 1, 100);
            trainer.Checkpoint();
            var round = trainer.RunRound();
            Assert.Equal(80, round.WindowsTrained); // 100 − 16 held back, in batches of 8: 80, 4 wait
            Submit(trainer, 101, 130);
            trainer.Checkpoint(); // journals 101–130 and the watermark 80
            Submit(trainer, 131, 140); // never checkpointed: the replayed input would complete these again
            inFlight = trainer.WindowsInFlight;
            Assert.Equal(60, inFlight); // 81–84 waiting, 85–100 held back, 101–140 queued
            Assert.Equal(80, trainer.TrainedThrough);
        }

        using var registry2 = new ModelRegistry(ModelWeights.Initialize(Shape, 3));
        using var next = new OnlineTrainer("p", Options(), registry2, new HistoricalScheduler());
        using var journal2 = Journal();
        var problems = new List<string>();
        int recovered = next.AttachJournal(journal2, (_, problem) => problems.Add(problem));
        Assert.Empty(problems);
        Assert.Equal(50, recovered); // 81–130: everything journaled and not trained
        Assert.Equal(50, next.WindowsRecovered);
        for (int n = 81; n <= 130; n++)
        {
            Assert.True(next.Queue.TryDequeue(out var window));
            AssertIsWindow(n, window);
            window.Return();
        }

        // New windows are numbered after the recovered ones.
        Submit(next, 1, 1);
        Assert.Equal(131, next.Queue.LastSequence);
    }

    [Fact]
    public void Recovered_windows_are_trained_by_the_next_instance_and_then_leave_the_journal()
    {
        using (var registry = new ModelRegistry(ModelWeights.Initialize(Shape, 3)))
        {
            var trainer = new OnlineTrainer("p", Options(), registry, new HistoricalScheduler());
            var journal = Journal();
            trainer.AttachJournal(journal);
            Submit(trainer, 1, 64);
            trainer.Checkpoint();
            journal.Dispose();
        }

        using var registry2 = new ModelRegistry(ModelWeights.Initialize(Shape, 3));
        using var next = new OnlineTrainer("p", Options(), registry2, new HistoricalScheduler());
        using var journal2 = Journal();
        Assert.Equal(64, next.AttachJournal(journal2));
        var round = next.RunRound();
        Assert.Equal(48, round.WindowsTrained);
        next.Checkpoint();
        Assert.Equal(48, journal2.TrainedThrough);

        // Segments of 32: 1–32 is deleted, 33–64 still holds held-back windows.
        Assert.Equal(["windows-0000000000000000033.wal"],
            Directory.GetFiles(_directory, "windows-*.wal").Select(Path.GetFileName));
    }

    [Fact]
    public void With_a_journal_windows_count_toward_the_trigger_when_they_are_journaled()
    {
        var options = Options();
        options.TrainEveryWindows = 10;
        using var registry = new ModelRegistry(ModelWeights.Initialize(Shape, 3));
        using var trainer = new OnlineTrainer("p", options, registry, new HistoricalScheduler());
        using var journal = Journal();
        trainer.AttachJournal(journal);
        trainer.StartTrigger();

        Submit(trainer, 1, 25);
        Assert.Equal(0, trainer.RoundsTriggered);
        trainer.Checkpoint();
        Assert.Equal(2, trainer.RoundsTriggered); // 25 journaled: two groups of 10
        trainer.Checkpoint();
        Assert.Equal(2, trainer.RoundsTriggered); // nothing new
    }

    [Fact]
    public void Recovered_windows_count_toward_the_first_round_after_the_restart()
    {
        using (var registry = new ModelRegistry(ModelWeights.Initialize(Shape, 3)))
        {
            var trainer = new OnlineTrainer("p", Options(), registry, new HistoricalScheduler());
            var journal = Journal();
            trainer.AttachJournal(journal);
            Submit(trainer, 1, 12);
            trainer.Checkpoint();
            journal.Dispose();
        }

        var options = Options();
        options.TrainEveryWindows = 10;
        using var registry2 = new ModelRegistry(ModelWeights.Initialize(Shape, 3));
        using var next = new OnlineTrainer("p", options, registry2, new HistoricalScheduler());
        using var journal2 = Journal();
        Assert.Equal(12, next.AttachJournal(journal2));
        next.StartTrigger();
        Assert.Equal(1, next.RoundsTriggered);
    }
}
