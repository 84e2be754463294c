using System.Reactive.Concurrency;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Training;
using Xunit.Abstractions;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// Promotion of a Binary head that a "never" model cannot win (<see cref="BinaryHoldBack"/>): real rounds on the test
/// thread, seeded, so every outcome is deterministic.
/// </summary>
[Trait("Category", "Unit")]
public sealed class BinaryPromotionTests(ITestOutputHelper output)
{
    private const int Steps = 8;
    private static readonly ModelShape Shape = new(CellKind.Lstm, 1, 4, 1, HeadKind.Binary);

    private static TrainingOptions Options(int reserve, double floor, PromotionCriterion criterion = PromotionCriterion.Loss) => new()
    {
        Enabled = true,
        WindowSteps = Steps,
        BatchWindows = 4,
        TrainEveryWindows = 1024,
        WarmupWindows = 0,
        QueueCapacity = 1024,
        HoldBackWindows = 8,
        LearningRate = 0.05,
        GradientClipNorm = 1.0,
        PositiveReserveWindows = reserve,
        PositiveFloor = floor,
        PromotionCriterion = criterion,
    };

    /// <summary>Inputs x ∈ {0, 1} with P(1) = 0.2; target x (the event is visible) or, for a "never" stretch, 0.</summary>
    private static void Fill(TrainingWindow window, Random random, bool eventsLabelled)
    {
        window.StartState.Clear();
        for (int t = 0; t < Steps; t++)
        {
            float x = random.NextDouble() < 0.2 ? 1 : 0;
            window.Inputs[t] = x;
            window.Targets[t] = eventsLabelled ? x : 0;
            window.TargetWeights[t] = 1;
        }
    }

    private static List<TrainingRoundResult> Rounds(OnlineTrainer trainer, Random random, int rounds, bool eventsLabelled)
    {
        var results = new List<TrainingRoundResult>();
        for (int r = 0; r < rounds; r++)
        {
            for (int w = 0; w < 64; w++)
            {
                var window = trainer.Pool.Rent();
                Fill(window, random, eventsLabelled);
                trainer.Submit(window);
            }

            results.Add(trainer.RunRound());
        }

        return results;
    }

    /// <summary>Readings with x = 1 (the positives) of seeded probe windows on which <paramref name="weights"/> give p ≥ 0.5.</summary>
    private static int PositivesFired(ModelWeights weights)
    {
        var bptt = new BackpropagationThroughTime(Shape, Steps);
        var random = new Random(99);
        var window = new TrainingWindowPool(Shape.StateSize, Shape.InputSize, Steps, 1).Rent();
        int fired = 0;
        for (int w = 0; w < 32; w++)
        {
            Fill(window, random, eventsLabelled: true);
            bptt.Evaluate(weights, window.StartState, window.Inputs, window.Targets, window.TargetWeights, out _);
            for (int t = 0; t < Steps; t++)
            {
                fired += window.Targets[t] == 1 && HeadOutput.Probability(bptt.LastOutput(t)) >= 0.5 ? 1 : 0;
            }
        }

        return fired;
    }

    /// <summary>Learns the event, then sees a stretch where it never happens; returns the results of that stretch.</summary>
    private (ModelWeights Learned, ModelWeights Final, List<TrainingRoundResult> Never, OnlineTrainer Trainer) Run(TrainingOptions options)
    {
        var registry = new ModelRegistry(ModelWeights.Initialize(Shape, seed: 5), keepVersions: 50);
        var trainer = new OnlineTrainer("bed", options, registry, new HistoricalScheduler());
        var random = new Random(7);
        Rounds(trainer, random, 12, eventsLabelled: true);
        var learned = registry.Current;
        var never = Rounds(trainer, random, 12, eventsLabelled: false);
        foreach (var r in never)
        {
            output.WriteLine($"round {r.Round}: {r.Outcome} {r.RejectionReason} candidate={r.CandidateLoss:F4} champion={r.ChampionLoss:F4} v{r.ChampionVersion}");
        }

        return (learned, registry.Current, never, trainer);
    }

    [Fact]
    public void A_collapsed_always_0_candidate_wins_on_plain_log_loss_but_the_floor_refuses_it()
    {
        // Control: plain log-loss on the rolling hold-back (no reserve, no floor), as before issue 11.
        var plain = Run(Options(reserve: 0, floor: 0));
        int learnedFires = PositivesFired(plain.Learned);
        output.WriteLine($"learned: {learnedFires} positives fired; plain final v{plain.Final.Version}: {PositivesFired(plain.Final)}");
        Assert.True(learnedFires > 0, "the first stretch did not teach the event");
        Assert.Contains(plain.Never, r => r.Outcome == RoundOutcome.Promoted);
        Assert.Equal(0, PositivesFired(plain.Final)); // the "never" model won

        // Same data with the defaults' guard: a reserve of positive windows and the floor at 0.5.
        var guarded = Run(Options(reserve: 8, floor: 0.5));
        int finalFires = PositivesFired(guarded.Final);
        output.WriteLine($"guarded final v{guarded.Final.Version}: {finalFires} positives fired");
        Assert.Contains(guarded.Never, r => r.Outcome == RoundOutcome.Rejected && r.RejectionReason == "no_positive");
        Assert.True(guarded.Trainer.Rejections("no_positive") > 0);
        Assert.True(finalFires > 0, "the guarded champion stopped predicting the event");
        plain.Trainer.Dispose();
        guarded.Trainer.Dispose();
    }

    [Fact]
    public void Average_precision_as_the_criterion_also_keeps_the_champion_that_ranks_positives_first()
    {
        var ap = Run(Options(reserve: 8, floor: 0, criterion: PromotionCriterion.AveragePrecision));
        Assert.True(PositivesFired(ap.Final) > 0, "an AP-judged champion stopped predicting the event");
        ap.Trainer.Dispose();
    }

    [Fact]
    public void Judging_allocates_nothing_after_the_first_round()
    {
        var options = Options(reserve: 4, floor: 0.5, criterion: PromotionCriterion.AveragePrecision);
        var judge = new BinaryHoldBack(options, Shape);
        var pool = new TrainingWindowPool(Shape.StateSize, Shape.InputSize, Steps, 16);
        var random = new Random(3);
        var holdBack = new TrainingWindow[options.HoldBackWindows];
        for (int i = 0; i < holdBack.Length; i++)
        {
            holdBack[i] = pool.Rent();
            Fill(holdBack[i], random, eventsLabelled: true);
            judge.Keep(holdBack[i]);
        }

        Assert.Equal(4, judge.ReserveCount);
        var bptt = new BackpropagationThroughTime(Shape, Steps);
        var champion = ModelWeights.Initialize(Shape, seed: 1);
        var candidate = ModelWeights.Initialize(Shape, seed: 2);
        judge.Judge(bptt, candidate, champion, holdBack, out _, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            judge.Judge(bptt, candidate, champion, holdBack, out _, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Average_precision_counts_tied_scores_as_one_group()
    {
        // p: 0.9 (+), 0.8 (−), 0.8 (+), 0.1 (−): AP = (1/2)(1/1 + 2/3).
        float[] keys = [-0.8f, -0.1f, -0.9f, -0.8f];
        float[] labels = [0, 0, 1, 1];
        Assert.Equal(0.5 * (1 + 2.0 / 3), BinaryHoldBack.AveragePrecision(keys, labels), 12);
        Assert.True(double.IsNaN(BinaryHoldBack.AveragePrecision(new float[] { -0.5f }, new float[] { 0 })));
    }

    [Theory]
    [InlineData(nameof(TrainingOptions.PositiveReserveWindows), "must be between 0 and 4096")]
    [InlineData(nameof(TrainingOptions.PositiveFloor), "must be a probability in [0, 1) (0 = no floor)")]
    [InlineData(nameof(TrainingOptions.PromotionCriterion), "must be one of Loss, AveragePrecision")]
    public void Bad_promotion_settings_are_named_without_their_value(string setting, string problem)
    {
        var options = new TrainingOptions();
        switch (setting)
        {
            case nameof(TrainingOptions.PositiveReserveWindows): options.PositiveReserveWindows = -1; break;
            case nameof(TrainingOptions.PositiveFloor): options.PositiveFloor = 1.5; break;
            default: options.PromotionCriterion = (PromotionCriterion)7; break;
        }

        string error = Assert.Single(options.Validate());
        Assert.Equal($"Training:{setting}: {problem}", error);
    }

    [Fact]
    public void The_pipeline_file_takes_the_criterion_by_name()
    {
        var definition = PipelineDefinition.Parse(System.Text.Encoding.UTF8.GetBytes(
            """{"Name":"p","InputTopic":"i","OutputTopic":"o","Features":[{"Field":"x"}],"Target":{"Field":"y"},"Training":{"Enabled":true,"PromotionCriterion":"AveragePrecision","PositiveReserveWindows":4,"PositiveFloor":0.4}}"""));
        Assert.Equal(PromotionCriterion.AveragePrecision, definition.Training!.PromotionCriterion);
        Assert.Equal(4, definition.Training.PositiveReserveWindows);
        Assert.Equal(0.4, definition.Training.PositiveFloor);
    }
}
