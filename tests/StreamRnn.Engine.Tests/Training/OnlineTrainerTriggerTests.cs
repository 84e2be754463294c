using System.Reactive.Concurrency;
using StreamRnn.Core;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>When rounds start: in virtual time on a HistoricalScheduler, so every assertion is exact.</summary>
[Trait("Category", "Unit")]
public sealed class OnlineTrainerTriggerTests
{
    private static readonly ModelShape Shape = new(CellKind.Gru, 1, 4, 1, HeadKind.Linear);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private static OnlineTrainer Trainer(HistoricalScheduler scheduler, ModelRegistry registry, int every = 8, int warmup = 0) =>
        new("p", new TrainingOptions
        {
            Enabled = true,
            WindowSteps = 4,
            BatchWindows = 4,
            TrainEveryWindows = every,
            TrainEveryInterval = Interval,
            WarmupWindows = warmup,
            QueueCapacity = 64,
            HoldBackWindows = 16,
        }, registry, scheduler);

    private static void Submit(OnlineTrainer trainer, int count)
    {
        var random = new Random(count);
        for (int i = 0; i < count; i++)
        {
            var window = trainer.Pool.Rent();
            TrainingData.FillRandom(window, random);
            trainer.Submit(window);
        }
    }

    [Fact]
    public void N_windows_trigger_exactly_one_round()
    {
        var scheduler = new HistoricalScheduler();
        using var registry = new ModelRegistry(ModelWeights.Initialize(Shape, 1));
        using var trainer = Trainer(scheduler, registry);
        trainer.StartTrigger();

        Submit(trainer, 7);
        Assert.Equal(0, trainer.RoundsTriggered);
        Submit(trainer, 1);
        Assert.Equal(1, trainer.RoundsTriggered);
        Submit(trainer, 7);
        Assert.Equal(1, trainer.RoundsTriggered);
        Submit(trainer, 1);
        Assert.Equal(2, trainer.RoundsTriggered);
    }

    [Fact]
    public void Interval_elapsed_with_fewer_windows_triggers_one_round_and_idle_time_triggers_none()
    {
        var scheduler = new HistoricalScheduler();
        using var registry = new ModelRegistry(ModelWeights.Initialize(Shape, 1));
        using var trainer = Trainer(scheduler, registry);
        trainer.StartTrigger();

        Submit(trainer, 3);
        scheduler.AdvanceBy(Interval - TimeSpan.FromTicks(1));
        Assert.Equal(0, trainer.RoundsTriggered);
        scheduler.AdvanceBy(TimeSpan.FromTicks(1));
        Assert.Equal(1, trainer.RoundsTriggered);

        scheduler.AdvanceBy(Interval * 5);
        Assert.Equal(1, trainer.RoundsTriggered);
    }

    [Fact]
    public void A_count_trigger_restarts_the_clock()
    {
        var scheduler = new HistoricalScheduler();
        using var registry = new ModelRegistry(ModelWeights.Initialize(Shape, 1));
        using var trainer = Trainer(scheduler, registry);
        trainer.StartTrigger();

        scheduler.AdvanceBy(TimeSpan.FromSeconds(20));
        Submit(trainer, 8);
        Assert.Equal(1, trainer.RoundsTriggered);
        Submit(trainer, 1);
        scheduler.AdvanceBy(TimeSpan.FromSeconds(29));   // 49 s since start: the first clock would have fired at 30 s
        Assert.Equal(1, trainer.RoundsTriggered);
        scheduler.AdvanceBy(TimeSpan.FromSeconds(1));    // 30 s after the count trigger
        Assert.Equal(2, trainer.RoundsTriggered);
    }

    [Fact]
    public void Nothing_triggers_before_warm_up()
    {
        var scheduler = new HistoricalScheduler();
        using var registry = new ModelRegistry(ModelWeights.Initialize(Shape, 1));
        using var trainer = Trainer(scheduler, registry, every: 8, warmup: 20);
        trainer.StartTrigger();

        Submit(trainer, 8);                  // a full count window, but only 8 of 20 windows arrived
        scheduler.AdvanceBy(Interval);
        Submit(trainer, 8);                  // 16
        scheduler.AdvanceBy(Interval);
        Submit(trainer, 3);                  // 19
        scheduler.AdvanceBy(Interval);
        Assert.Equal(0, trainer.RoundsTriggered);

        Submit(trainer, 1);                  // 20: warm, and the next trigger counts
        scheduler.AdvanceBy(Interval);
        Assert.Equal(1, trainer.RoundsTriggered);
    }

    [Fact]
    public void A_trigger_runs_a_round_on_the_trainer_thread()
    {
        var scheduler = new HistoricalScheduler();
        using var registry = new ModelRegistry(ModelWeights.Initialize(Shape, 1));
        using var trainer = Trainer(scheduler, registry);
        var threads = new List<string?>();
        using var subscription = trainer.Rounds.Subscribe(_ => { lock (threads) { threads.Add(Thread.CurrentThread.Name); } });
        trainer.Start();

        Submit(trainer, 8);
        // The round is counted before its result is published: wait for the publication itself.
        Assert.True(SpinWait.SpinUntil(() => { lock (threads) { return threads.Count == 1; } }, TimeSpan.FromSeconds(10)), "no round was published");
        Assert.Equal(1, trainer.RoundsCompleted);
        Assert.Equal(1, trainer.RoundsTriggered);
        lock (threads)
        {
            Assert.Equal(["streamrnn-trainer-p"], threads);
        }

        // 8 windows all went into the hold-back set (16): nothing to train on yet.
        Assert.Equal(8, trainer.HoldBackCount);
        Assert.Equal(0, trainer.WindowsTrained);
        Assert.Equal(1, registry.Current.Version);
    }

    [Fact]
    public void Dispose_stops_the_thread_and_later_windows_go_back_to_the_pool()
    {
        var scheduler = new HistoricalScheduler();
        using var registry = new ModelRegistry(ModelWeights.Initialize(Shape, 1));
        var trainer = Trainer(scheduler, registry);
        bool completed = false;
        using var subscription = trainer.Rounds.Subscribe(_ => { }, () => completed = true);
        trainer.Start();
        trainer.Dispose();

        Assert.True(completed);
        var window = trainer.Pool.Rent();
        Assert.False(trainer.Submit(window));
        Assert.Equal(0, trainer.Queue.Count);
        Assert.Equal(1, trainer.Pool.Idle);
        Assert.Throws<ObjectDisposedException>(() => trainer.RunRound());
    }

    [Fact]
    public void Submitting_allocates_nothing_between_triggers_in_the_steady_state()
    {
        var scheduler = new HistoricalScheduler();
        using var registry = new ModelRegistry(ModelWeights.Initialize(Shape, 1));
        using var trainer = new OnlineTrainer("p", new TrainingOptions
        {
            WindowSteps = 4,
            BatchWindows = 4,
            TrainEveryWindows = 1000,
            QueueCapacity = 1000,
            HoldBackWindows = 16,
            WarmupWindows = 0,
        }, registry, scheduler);
        trainer.StartTrigger();

        // Fill the queue past capacity once (one count trigger), so every later submit also drops (and recycles) the
        // oldest window; the next trigger is 1,000 windows away.
        Submit(trainer, 1100);
        Assert.Equal(1, trainer.RoundsTriggered);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 800; i++)
        {
            trainer.Submit(trainer.Pool.Rent());
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(1, trainer.RoundsTriggered);
        Assert.Equal(900, trainer.Queue.Dropped);
    }
}
