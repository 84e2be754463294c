using System.Text;
using System.Text.Json;
using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Daemon.Tests.Backtest;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;
using StreamRnn.Tests.Support;
using StreamRnn.Tools.Commands;

namespace StreamRnn.Tools.Tests.Calibration;

/// <summary>
/// <c>streamrnn-tools calibrate</c> on the bundled 8-trial bed-exit sample: calibrated on trials 1–4 with the shipped
/// pipeline (the command's defaults: 5 passes, sequential replay, grace 5 s, thresholds 0.3–0.9), its files are what
/// backtest would give, and the pipeline it writes runs as the calibrated one.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CalibrateCommandTests(CalibrateCommandTests.CalibratedSample sample) : IClassFixture<CalibrateCommandTests.CalibratedSample>
{
    public const string FirstHalf = "d1p01M..d1p04M";
    public const string SecondHalf = "d1p05M..d1p08F";

    private static string ShippedPipeline => RepositoryRoot.Combine("config/pipelines/bed-exit.json");

    /// <summary>One calibrate run shared by the tests of this class.</summary>
    public sealed class CalibratedSample : IDisposable
    {
        private readonly ScratchDirectory _scratch = new();

        public CalibratedSample()
        {
            Out = _scratch.Combine("calibrated");
            (ExitCode, Output, Error) = Invoke("calibrate", "--pipeline", ShippedPipeline, "--csv", BacktestFiles.BedExitCsv,
                "--time-column", "time_s", "--event-column", "in_bed", "--event-value", "0", "--keys", FirstHalf, "--out", Out);
        }

        public string Out { get; }

        public int ExitCode { get; }

        public string Output { get; }

        public string Error { get; }

        public JsonElement Calibration => JsonDocument.Parse(File.ReadAllText(Path.Combine(Out, "calibration.json"))).RootElement;

        public string Combine(params string[] parts) => _scratch.Combine(parts);

        public void Dispose() => _scratch.Dispose();
    }

    internal static (int Code, string Output, string Error) Invoke(params string[] arguments)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = ToolsCommandLine.Create().InvokeAsync(arguments, output, error).GetAwaiter().GetResult();
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void It_writes_the_model_the_pipeline_and_the_report_and_chooses_the_best_F1_with_ties_to_the_higher_threshold()
    {
        Assert.True(sample.ExitCode == 0, sample.Error);
        foreach (string file in new[] { "model.srnn", "pipeline.json", "calibration.json", "calibration.md" })
        {
            Assert.True(File.Exists(Path.Combine(sample.Out, file)), file);
        }

        var calibration = sample.Calibration;
        var rows = calibration.GetProperty("thresholds").EnumerateArray().ToList();
        Assert.Equal([0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], rows.Select(r => r.GetProperty("threshold").GetDouble()));
        Assert.All(rows, r => Assert.Equal(0.5 * r.GetProperty("threshold").GetDouble(), r.GetProperty("clear_threshold").GetDouble()));
        Assert.All(rows, r => Assert.Equal(6, r.GetProperty("events").GetInt32())); // the first four trials' exits
        double bestF1 = rows.Max(r => r.GetProperty("f1").GetDouble());
        double expected = rows.Where(r => r.GetProperty("f1").GetDouble() == bestF1).Max(r => r.GetProperty("threshold").GetDouble());
        var chosen = calibration.GetProperty("chosen");
        Assert.Equal(expected, chosen.GetProperty("threshold").GetDouble());
        Assert.Equal(JsonSerializer.Serialize(rows.Single(r => r.GetProperty("threshold").GetDouble() == expected)), JsonSerializer.Serialize(chosen));
        foreach (var row in rows)
        {
            double p = row.GetProperty("precision").ValueKind == JsonValueKind.Null ? 0 : row.GetProperty("precision").GetDouble();
            double r = row.GetProperty("recall").GetDouble();
            Assert.Equal(p + r == 0 ? 0 : 2 * p * r / (p + r), row.GetProperty("f1").GetDouble());
        }

        Assert.Equal(["d1p01M", "d1p02M", "d1p03M", "d1p04M"], calibration.GetProperty("sessions").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(5, calibration.GetProperty("passes").GetInt32());
        Assert.Equal("sequential", calibration.GetProperty("key_replay").GetString());
        Assert.StartsWith("streamrnn-tools calibrate --pipeline ", calibration.GetProperty("command_line").GetString(), StringComparison.Ordinal);
        using (var model = File.OpenRead(Path.Combine(sample.Out, "model.srnn")))
        {
            var shape = PipelineDefinition.Load(ShippedPipeline).CreateShape();
            Assert.Equal(calibration.GetProperty("model").GetProperty("version").GetInt64(), ModelWeights.ReadFrom(model, shape).Version);
        }

        string markdown = File.ReadAllText(Path.Combine(sample.Out, "calibration.md"));
        Assert.Single(markdown.Split('\n'), line => line.StartsWith($"| {expected:0.###} |", StringComparison.Ordinal) && line.Contains("**chosen**", StringComparison.Ordinal));
        Assert.Contains($"threshold {expected:0.###} (clear ", sample.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_written_pipeline_is_the_input_with_Model_File_and_the_chosen_thresholds_and_validates()
    {
        Assert.True(sample.ExitCode == 0, sample.Error);
        var chosen = sample.Calibration.GetProperty("chosen");
        string path = Path.Combine(sample.Out, "pipeline.json");
        var written = PipelineDefinition.Load(path);
        Assert.Empty(written.Validate(path));
        Assert.Equal(Path.Combine(sample.Out, "model.srnn"), written.Model.File);
        Assert.True(Path.IsPathFullyQualified(written.Model.File!));
        Assert.Equal(chosen.GetProperty("threshold").GetDouble(), written.Alerts!.Threshold);
        Assert.Equal(chosen.GetProperty("clear_threshold").GetDouble(), written.Alerts.ClearThreshold);

        // Everything else as the input has it.
        var input = PipelineDefinition.Load(ShippedPipeline);
        input.Model.File = written.Model.File;
        input.Alerts!.Threshold = written.Alerts.Threshold;
        input.Alerts.ClearThreshold = written.Alerts.ClearThreshold;
        Assert.Equal(input.ToJson(), written.ToJson());
    }

    [Fact]
    public void Learning_is_backtest_passes_save_model_and_each_row_is_backtest_model_with_that_threshold()
    {
        Assert.True(sample.ExitCode == 0, sample.Error);
        string[] common = ["--csv", BacktestFiles.BedExitCsv, "--time-column", "time_s", "--event-column", "in_bed", "--event-value", "0",
            "--detection-grace", "5", "--key-replay", "sequential", "--chart-keys", "0", "--keys", FirstHalf];
        string saved = sample.Combine("backtest-passes.srnn");
        using (var learn = BacktestRun.Start(["--pipeline", ShippedPipeline, .. common, "--passes", "5", "--save-model", saved]))
        {
            Assert.True(learn.ExitCode == 0, learn.Error);
        }

        Assert.Equal(File.ReadAllBytes(saved), File.ReadAllBytes(Path.Combine(sample.Out, "model.srnn")));
        var chosen = sample.Calibration.GetProperty("chosen");
        string variant = WriteVariant(sample.Combine("variant.json"), chosen);
        using var replay = BacktestRun.Start(["--pipeline", variant, .. common, "--model", Path.Combine(sample.Out, "model.srnn")]);
        Assert.True(replay.ExitCode == 0, replay.Error);
        var detection = replay.Report.GetProperty("alerts").GetProperty("detection_quality");
        foreach (string name in new[] { "alerts", "true_alerts", "events", "detected_events", "precision", "recall", "false_alerts_per_hour", "monitored_hours" })
        {
            Assert.Equal(detection.GetProperty(name).GetRawText(), chosen.GetProperty(name).GetRawText());
        }
    }

    [Fact]
    public void Backtest_of_the_written_pipeline_on_the_other_half_equals_backtest_model_with_the_chosen_threshold()
    {
        Assert.True(sample.ExitCode == 0, sample.Error);
        string[] common = ["--csv", BacktestFiles.BedExitCsv, "--time-column", "time_s", "--event-column", "in_bed", "--event-value", "0",
            "--detection-grace", "5", "--key-replay", "sequential", "--chart-keys", "0", "--keys", SecondHalf];
        using var calibrated = BacktestRun.Start(["--pipeline", Path.Combine(sample.Out, "pipeline.json"), .. common]);
        Assert.True(calibrated.ExitCode == 0, calibrated.Error);
        string variant = WriteVariant(sample.Combine("other-half.json"), sample.Calibration.GetProperty("chosen"));
        using var explicitModel = BacktestRun.Start(["--pipeline", variant, .. common, "--model", Path.Combine(sample.Out, "model.srnn")]);
        Assert.True(explicitModel.ExitCode == 0, explicitModel.Error);

        var expected = explicitModel.Report.GetProperty("alerts").GetProperty("detection_quality");
        var actual = calibrated.Report.GetProperty("alerts").GetProperty("detection_quality");
        Assert.Equal(7, expected.GetProperty("events").GetInt32()); // the last four trials' exits
        Assert.Equal(expected.GetRawText(), actual.GetRawText());
        Assert.Equal(explicitModel.Report.GetProperty("training").GetRawText(), calibrated.Report.GetProperty("training").GetRawText());
    }

    [Fact]
    public void Model_file_sets_what_the_written_pipeline_points_at()
    {
        string output = sample.Combine("relative");
        var (code, _, error) = Invoke("calibrate", "--pipeline", ShippedPipeline, "--csv", BacktestFiles.BedExitCsv,
            "--time-column", "time_s", "--event-column", "in_bed", "--event-value", "0", "--keys", FirstHalf, "--passes", "1",
            "--thresholds", "0.5", "--model-file", "models/room-12.srnn", "--out", output);

        Assert.True(code == 0, error);
        var written = PipelineDefinition.Load(Path.Combine(output, "pipeline.json"));
        Assert.Equal("models/room-12.srnn", written.Model.File);
        Assert.True(File.Exists(Path.Combine(output, "model.srnn")), "the model is still written to --out");
    }

    /// <summary>The shipped pipeline with the chosen thresholds and no Model:File.</summary>
    private static string WriteVariant(string path, JsonElement chosen)
    {
        string json = CalibratedPipeline.Rewrite(File.ReadAllBytes(ShippedPipeline), "bed-exit", null,
            chosen.GetProperty("threshold").GetDouble(), chosen.GetProperty("clear_threshold").GetDouble());
        File.WriteAllText(path, json, new UTF8Encoding(false));
        return path;
    }
}
