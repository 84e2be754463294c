using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Runtime;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>
/// The warm-start protocol of docs/results.md on the 8-trial sample: --keys picks trials (ranges in file order),
/// --save-model writes the final champion in the model store's format, --model starts from it, and --passes N is
/// exactly N chained runs (each from the previous one's champion, fresh state) of which only the last is scored.
/// </summary>
[Trait("Category", "Unit")]
public sealed class BedExitWarmStartTests
{
    private static string ShippedPipeline => RepositoryRoot.Combine("config/pipelines/bed-exit.json");

    private static BacktestSettings Trials(string keys, string? model = null, string? save = null, int passes = 1) =>
        new(ShippedPipeline, BacktestFiles.BedExitCsv, "unused", TimeColumn: "time_s", ModelPath: model,
            EventColumn: "in_bed", EventValue: "0", DetectionGraceSeconds: 5, KeysInSequence: true,
            Keys: keys.Split(','), Passes: passes, SaveModelPath: save);

    [Fact]
    public void Keys_select_trials_by_name_and_by_range_in_file_order_and_the_sequence_starts_at_the_first_kept()
    {
        var input = BacktestInput.Load(Trials("d1p02M..d1p04M,d1p07M"), BacktestRunner.LoadPipeline(ShippedPipeline));

        // 260 + 328 + 531 + 239 rows of the sample (d1p01M, d1p05M, d1p06M and d1p08F left out).
        Assert.Equal(1358, input.Rows.Length);
        var keys = input.Rows.Select(r => r.Key).Distinct().ToList();
        Assert.Equal(["d1p02M", "d1p03M", "d1p04M", "d1p07M"], keys);
        Assert.Equal(0, input.Rows[0].EventTimeUnixMs);
        var d1p03 = input.Rows.Where(r => r.Key == "d1p03M").ToList();
        Assert.Equal(input.Rows.Where(r => r.Key == "d1p02M").Max(r => r.EventTimeUnixMs) + 1000, d1p03.Min(r => r.EventTimeUnixMs));

        var limited = BacktestInput.Load(Trials("d1p07M,d1p02M") with { Limit = 300 }, BacktestRunner.LoadPipeline(ShippedPipeline));
        Assert.Equal(300, limited.Rows.Length);
        Assert.Equal(260, limited.Rows.Count(r => r.Key == "d1p02M"));
    }

    [Theory]
    [InlineData("d1p09F", "--keys: 'd1p09F' names key 'd1p09F', which the file does not have (8 keys, first 'd1p01M').")]
    [InlineData("d1p01M..d1p99M", "--keys: 'd1p01M..d1p99M' names key 'd1p99M', which the file does not have (8 keys, first 'd1p01M').")]
    [InlineData("d1p05M..d1p02M", "--keys: 'd1p05M..d1p02M': 'd1p02M' first appears before 'd1p05M' in the file.")]
    public void A_key_the_file_lacks_or_a_backward_range_is_exit_2_naming_it(string keys, string message)
    {
        var error = Assert.Throws<BacktestException>(() => BacktestInput.Load(Trials(keys), BacktestRunner.LoadPipeline(ShippedPipeline)));
        Assert.Equal((2, message), (error.ExitCode, error.Message));
    }

    [Fact]
    public void The_saved_champion_reads_back_bit_for_bit_and_a_warm_start_predicts_with_it_from_the_first_reading()
    {
        using var scratch = new ScratchDirectory();
        string saved = scratch.Combine("models", "first-half.srnn");
        var first = new BacktestRunner(Trials("d1p01M..d1p04M", save: saved)).Run();
        Assert.True(first.Training.Promoted >= 1, $"promoted {first.Training.Promoted}");
        Assert.Equal(first.Training.LastVersion, first.FinalWeights.Version);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(saved)!, "*.tmp"));

        ModelWeights read;
        using (var stream = File.OpenRead(saved))
        {
            read = ModelWeights.ReadFrom(stream, first.FinalWeights.Shape);
        }

        Assert.Equal(first.FinalWeights.Version, read.Version);
        Assert.Equal(first.FinalWeights.Parameters.ToArray(), read.Parameters.ToArray());

        var warm = new BacktestRunner(Trials("d1p05M..d1p08F", model: saved)).Run();
        var cold = new BacktestRunner(Trials("d1p05M..d1p08F")).Run();
        Assert.Equal(read.Version, warm.Training.FirstVersion);
        Assert.Equal(read.Version, warm.Sink.Predictions.MinBy(p => p.Offset)!.ModelVersion);
        Assert.Equal(1, cold.Sink.Predictions.MinBy(p => p.Offset)!.ModelVersion);
        Assert.NotEqual(cold.Sink.Predictions[0].Mean, warm.Sink.Predictions[0].Mean);
    }

    [Fact]
    public void Two_passes_are_two_chained_runs_and_only_the_second_is_scored()
    {
        using var scratch = new ScratchDirectory();
        string afterFirst = scratch.Combine("pass-1.srnn");
        var passOne = new BacktestRunner(Trials("d1p01M..d1p03M", save: afterFirst)).Run();
        var passTwo = new BacktestRunner(Trials("d1p01M..d1p03M", model: afterFirst)).Run();
        var both = new BacktestRunner(Trials("d1p01M..d1p03M", passes: 2)).Run();

        Assert.Equal(passTwo.Sink.Predictions.Select(p => (p.Offset, p.Mean, p.ModelVersion)),
            both.Sink.Predictions.Select(p => (p.Offset, p.Mean, p.ModelVersion)));
        Assert.Equal(passTwo.Sink.Predictions.Count, both.Counters.PredictionsProduced);
        Assert.Equal(passTwo.FinalWeights.Parameters.ToArray(), both.FinalWeights.Parameters.ToArray());
        Assert.Equal((2, 1L, passOne.FinalWeights.Version, passTwo.Training.LastVersion, passTwo.Training.Rounds),
            (both.Training.Passes, both.Training.StartVersion, both.Training.FirstVersion, both.Training.LastVersion, both.Training.Rounds));
    }

    [Fact]
    public void Passes_without_online_training_are_refused()
    {
        using var scratch = new ScratchDirectory();
        string pipeline = scratch.Write("frozen.json", File.ReadAllText(ShippedPipeline).Replace("\"Enabled\": true", "\"Enabled\": false", StringComparison.Ordinal));
        var error = Assert.Throws<BacktestException>(() => new BacktestRunner(Trials("d1p01M") with { PipelinePath = pipeline, Passes = 3 }).Run());
        Assert.Equal((2, "--passes = 3: pipeline 'bed-exit' has Training:Enabled = false, so every pass would replay the same weights."),
            (error.ExitCode, error.Message));
    }
}
