using Microsoft.Extensions.Configuration;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

[Trait("Category", "Unit")]

public sealed class TrainingOptionsTests
{
    [Fact]
    public void Defaults_are_valid_and_as_documented()
    {
        var options = new TrainingOptions();
        Assert.Empty(options.Validate());
        Assert.False(options.Enabled);
        Assert.Equal(16, options.WindowSteps);
        Assert.Equal(32, options.BatchWindows);
        Assert.Equal(256, options.TrainEveryWindows);
        Assert.Equal(TimeSpan.FromSeconds(30), options.TrainEveryInterval);
        Assert.Equal(256, options.WarmupWindows);
        Assert.Equal(4096, options.QueueCapacity);
        Assert.Equal(1e-3, options.LearningRate);
        Assert.Equal(1.0, options.GradientClipNorm);
        Assert.Equal(0.0, options.WeightDecay);
        Assert.Equal(128, options.HoldBackWindows);
        Assert.Equal(0.0, options.PromotionTolerance);
        Assert.Equal(TrainingMode.Local, options.Mode);
    }

    public static TheoryData<Action<TrainingOptions>, string> BadSettings() => new()
    {
        { o => o.LearningRate = -1, "Pipelines:stocks:Training:LearningRate: must be > 0" },
        { o => o.LearningRate = double.NaN, "Pipelines:stocks:Training:LearningRate: must be > 0" },
        { o => o.WindowSteps = 0, "Pipelines:stocks:Training:WindowSteps: must be between 1 and 1024" },
        { o => o.BatchWindows = -3, "Pipelines:stocks:Training:BatchWindows: must be between 1 and 65536" },
        { o => o.QueueCapacity = 0, "Pipelines:stocks:Training:QueueCapacity: must be between 1 and 1048576" },
        { o => o.HoldBackWindows = 0, "Pipelines:stocks:Training:HoldBackWindows: must be between 1 and 1048576" },
        { o => o.WarmupWindows = -1, "Pipelines:stocks:Training:WarmupWindows: must be between 0 and 2147483647" },
        { o => o.TrainEveryInterval = TimeSpan.Zero, "Pipelines:stocks:Training:TrainEveryInterval: must be positive" },
        { o => o.GradientClipNorm = 0, "Pipelines:stocks:Training:GradientClipNorm: must be > 0" },
        { o => o.WeightDecay = -0.5, "Pipelines:stocks:Training:WeightDecay: must be ≥ 0" },
        { o => o.PromotionTolerance = -0.1, "Pipelines:stocks:Training:PromotionTolerance: must be ≥ 0" },
        { o => o.Mode = (TrainingMode)7, "Pipelines:stocks:Training:Mode: must be one of Local, Merge, Follow" },
        { o => o.Schedule = (LearningRateSchedule)9, "Pipelines:stocks:Training:Schedule: must be one of Constant, InverseSqrt" },
        { o => o.Mode = TrainingMode.Follow, "Pipelines:stocks:Training:Leader: is required when Mode is Follow" },
        { o => o.TrainEveryWindows = 5000, "Pipelines:stocks:Training:TrainEveryWindows: must not exceed QueueCapacity (4096)" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Each_bad_setting_is_named_never_its_value(Action<TrainingOptions> spoil, string expected)
    {
        var options = new TrainingOptions();
        spoil(options);
        var errors = options.Validate("Pipelines:stocks:Training");
        Assert.Equal([expected], errors);
        var exception = Assert.Throws<InvalidPipelineException>(() => options.EnsureValid("Pipelines:stocks:Training"));
        Assert.Equal([expected], exception.Errors);
    }

    [Fact]
    public void Binds_from_configuration_with_enums_and_time_spans_as_strings()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Pipelines:stocks:Training:Enabled"] = "true",
                ["Pipelines:stocks:Training:WindowSteps"] = "24",
                ["Pipelines:stocks:Training:TrainEveryInterval"] = "00:01:30",
                ["Pipelines:stocks:Training:LearningRate"] = "0.005",
                ["Pipelines:stocks:Training:Schedule"] = "InverseSqrt",
                ["Pipelines:stocks:Training:Mode"] = "Follow",
                ["Pipelines:stocks:Training:Leader"] = "daemon-0",
            })
            .Build();

        var options = configuration.GetSection("Pipelines:stocks:Training").Get<TrainingOptions>()!;

        Assert.True(options.Enabled);
        Assert.Equal(24, options.WindowSteps);
        Assert.Equal(TimeSpan.FromSeconds(90), options.TrainEveryInterval);
        Assert.Equal(0.005, options.LearningRate);
        Assert.Equal(LearningRateSchedule.InverseSqrt, options.Schedule);
        Assert.Equal(TrainingMode.Follow, options.Mode);
        Assert.Equal("daemon-0", options.Leader);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Inverse_sqrt_schedule_follows_its_formula()
    {
        var options = new TrainingOptions { LearningRate = 0.01, Schedule = LearningRateSchedule.InverseSqrt, DecaySteps = 100 };
        Assert.Equal(0.01, options.LearningRateAt(0));
        Assert.Equal(0.01 / Math.Sqrt(2), options.LearningRateAt(100), 15);
        Assert.Equal(0.005, options.LearningRateAt(300), 15);
        options.Schedule = LearningRateSchedule.Constant;
        Assert.Equal(0.01, options.LearningRateAt(300));
    }
}
