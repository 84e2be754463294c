using System.Text.Json.Nodes;
using StreamRnn.CommandLine;
using StreamRnn.Daemon.Tests.Backtest;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Tests.Support;

namespace StreamRnn.Tools.Tests.Calibration;

/// <summary>
/// Every way calibrate can be asked wrongly ends in one line naming the option (never its value) and a non-zero exit
/// code, before anything is learned.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CalibrateErrorTests : IDisposable
{
    private const string Secret = "hunter2";
    private readonly ScratchDirectory _scratch = new();

    private string Out => _scratch.Combine("out");

    private (int Code, string Output, string Error) Calibrate(string pipeline, params string[] options)
    {
        string[] required = ["--csv", BacktestFiles.BedExitCsv, "--time-column", "time_s", "--out", Out];
        string[] eventOptions = options.Contains("--no-event-column") ? [] : ["--event-column", "in_bed", "--event-value", "0"];
        return CalibrateCommandTests.Invoke(["calibrate", "--pipeline", pipeline, .. required, .. eventOptions,
            .. options.Where(o => o != "--no-event-column")]);
    }

    private static string Shipped => RepositoryRoot.Combine("config/pipelines/bed-exit.json");

    private void AssertFails((int Code, string Output, string Error) run, int code, string message)
    {
        Assert.Equal(code, run.Code);
        Assert.Equal("streamrnn-tools: " + message + Environment.NewLine, run.Error);
        Assert.Equal("", run.Output);
        Assert.DoesNotContain(Secret, run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Out), "nothing is written when calibrate cannot run");
    }

    private string Pipeline(Action<JsonNode> change)
    {
        var pipeline = JsonNode.Parse(File.ReadAllText(Shipped))!;
        change(pipeline);
        return _scratch.Write("pipeline.json", pipeline.ToJsonString());
    }

    [Fact]
    public void A_pipeline_without_Alerts_is_exit_2()
    {
        string pipeline = Pipeline(p => p.AsObject().Remove("Alerts"));
        AssertFails(Calibrate(pipeline, "--keys", "d1p01M..d1p02M"), ExitCodes.Usage,
            "--pipeline: pipeline 'bed-exit' has no Alerts section; calibrate chooses the threshold of its alert rule.");
    }

    [Fact]
    public void A_pipeline_whose_alerts_watch_no_probability_is_exit_3()
    {
        string pipeline = Pipeline(p =>
        {
            p["Target"] = JsonNode.Parse("""{"Field": "rssi", "Transform": "Raw", "Horizon": 1}""");
            p["Model"]!["Head"] = "Gaussian";
            p["Training"]!.AsObject().Remove("PositiveWeight");
            p["Training"]!.AsObject().Remove("PositiveReserveWindows");
            p["Training"]!.AsObject().Remove("PositiveFloor");
        });
        AssertFails(Calibrate(pipeline, "--keys", "d1p01M..d1p02M"), ExitCodes.InvalidConfiguration,
            $"invalid pipeline: {pipeline}:Model:Head: alert rules (Alerts) need a Binary or Categorical head: they watch a probability");
    }

    [Fact]
    public void A_missing_event_column_is_named()
    {
        AssertFails(Calibrate(Shipped, "--no-event-column", "--keys", "d1p01M..d1p02M"), ExitCodes.Usage,
            "'calibrate' needs --event-column; see 'streamrnn-tools calibrate --help'.");
    }

    [Theory]
    [InlineData("")]
    [InlineData(Secret + "..")]
    [InlineData(".." + Secret)]
    [InlineData(Secret + ",")]
    public void An_empty_key_range_is_named_without_repeating_it(string keys)
    {
        AssertFails(Calibrate(Shipped, "--keys", keys), ExitCodes.Usage,
            "--keys: must be keys or FIRST..LAST ranges separated by commas, e.g. d1p01M..d1p30F.");
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("0.5,1.5")]
    [InlineData("-0.2")]
    [InlineData("0.5," + Secret)]
    [InlineData("NaN")]
    public void Bad_thresholds_are_named_without_repeating_them(string thresholds)
    {
        AssertFails(Calibrate(Shipped, "--keys", "d1p01M", "--thresholds", thresholds), ExitCodes.Usage,
            "--thresholds: must be probabilities above 0 and below 1 separated by commas, at least one.");
    }

    [Fact]
    public void A_threshold_above_the_critical_threshold_is_named()
    {
        AssertFails(Calibrate(Shipped, "--keys", "d1p01M", "--thresholds", "0.5,0.95"), ExitCodes.Usage,
            "--thresholds: each candidate must be at most pipeline 'bed-exit''s Alerts:CriticalThreshold.");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("1.5")]
    [InlineData(Secret)]
    public void A_clear_ratio_outside_0_1_is_named(string ratio)
    {
        AssertFails(Calibrate(Shipped, "--keys", "d1p01M", "--clear-ratio", ratio), ExitCodes.Usage,
            "--clear-ratio: must be a number above 0 and below 1.");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData(Secret)]
    public void Passes_below_1_are_named(string passes)
    {
        AssertFails(Calibrate(Shipped, "--keys", "d1p01M", "--passes", passes), ExitCodes.Usage,
            "--passes: must be a whole number from 1 to 100.");
    }

    [Fact]
    public void Sessions_without_an_event_are_named()
    {
        // in_bed is never 7: nothing to choose a threshold on. The learned model is written before the first replay.
        var run = Calibrate(Shipped, "--no-event-column", "--keys", "d1p01M", "--event-value", "7", "--event-column", "in_bed", "--passes", "1");
        Assert.Equal(ExitCodes.Usage, run.Code);
        Assert.EndsWith("streamrnn-tools: --event-column: the calibration sessions hold no event (no change to --event-value), so there is nothing to choose a threshold on." + Environment.NewLine,
            run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
        Assert.False(File.Exists(Path.Combine(Out, "pipeline.json")));
    }

    public void Dispose() => _scratch.Dispose();
}
