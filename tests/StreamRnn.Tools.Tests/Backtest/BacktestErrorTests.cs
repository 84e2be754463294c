using StreamRnn.Daemon.Tests.Support;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>Every way a backtest can be asked wrongly ends in one line naming the file, column or setting, and an exit code.</summary>
[Trait("Category", "EndToEnd")]
public sealed class BacktestErrorTests
{
    private static void AssertFails(BacktestRun run, int exitCode, string message)
    {
        Assert.Equal(exitCode, run.ExitCode);
        Assert.Equal("streamrnn-tools: " + message + Environment.NewLine, run.Error);
        Assert.Equal("", run.Output);
        Assert.False(Directory.Exists(run.OutDirectory), "nothing is written when the backtest cannot run");
    }

    [Fact]
    public void A_missing_pipeline_file_is_exit_2()
    {
        using var run = BacktestRun.Start(["--pipeline", "no-such-pipeline.json", "--csv", BacktestFiles.StocksCsv]);
        AssertFails(run, 2, "--pipeline = 'no-such-pipeline.json': the file does not exist.");
    }

    [Fact]
    public void A_missing_csv_file_is_exit_2()
    {
        using var run = BacktestRun.Start(["--pipeline", BacktestFiles.StocksPipeline, "--csv", "no-such.csv", "--time-column", "date"]);
        AssertFails(run, 2, "--csv = 'no-such.csv': the file does not exist.");
    }

    [Fact]
    public void A_column_the_pipeline_needs_is_named_when_the_csv_lacks_it()
    {
        using var scratch = new ScratchDirectory();
        string csv = scratch.Write("prices.csv", "symbol,date,open,high,close,volume\nAAL,2017-01-03,1,2,1.5,100\n");
        using var run = BacktestRun.Start(["--pipeline", BacktestFiles.StocksPipeline, "--csv", csv, "--time-column", "date"]);
        AssertFails(run, 2, $"--csv = '{csv}' has no column 'low', which pipeline 'stocks' needs for Features:2:Field (columns: symbol, date, open, high, close, volume).");
    }

    [Fact]
    public void The_second_column_of_a_two_field_feature_is_named_when_the_csv_lacks_it()
    {
        using var scratch = new ScratchDirectory();
        string pipeline = scratch.Write("range.json", """
            {
              "Name": "range", "InputTopic": "t", "OutputTopic": "p",
              "Key": { "Source": "Field", "Field": "symbol" }, "EventTime": { "Source": "RecordTimestamp" },
              "Features": [ { "Field": "high", "Transform": "LogRatio", "Over": "bottom" } ],
              "Target": { "Field": "close", "Transform": "LogReturn" },
              "Model": { "Cell": "Lstm", "HiddenSize": 4, "Head": "Gaussian" }
            }
            """);
        string csv = scratch.Write("prices.csv", "symbol,date,high,low,close\nAAL,2017-01-03,2,1,1.5\n");
        using var run = BacktestRun.Start(["--pipeline", pipeline, "--csv", csv, "--time-column", "date"]);
        AssertFails(run, 2, $"--csv = '{csv}' has no column 'bottom', which pipeline 'range' needs for Features:0:Over (columns: symbol, date, high, low, close).");
    }

    [Fact]
    public void The_category_column_of_a_CategoryLast_feature_is_named_when_the_csv_lacks_it()
    {
        using var scratch = new ScratchDirectory();
        string pipeline = scratch.Write("last.json", """
            {
              "Name": "last", "InputTopic": "t", "OutputTopic": "p",
              "Key": { "Source": "Field", "Field": "trial" }, "EventTime": { "Source": "RecordTimestamp" },
              "Features": [ { "Field": "rssi", "Transform": "CategoryLast", "By": "antenna", "Categories": [ "1", "2" ] } ],
              "Target": { "Field": "rssi", "Transform": "Raw" },
              "Model": { "Cell": "Lstm", "HiddenSize": 4, "Head": "Gaussian" }
            }
            """);
        string csv = scratch.Write("readings.csv", "trial,time_s,rssi,reader\nt1,0,-60,1\n");
        using var run = BacktestRun.Start(["--pipeline", pipeline, "--csv", csv, "--time-column", "time_s"]);
        AssertFails(run, 2, $"--csv = '{csv}' has no column 'antenna', which pipeline 'last' needs for Features:0:By (columns: trial, time_s, rssi, reader).");
    }

    [Fact]
    public void An_unreadable_csv_names_the_line()
    {
        using var scratch = new ScratchDirectory();
        string csv = scratch.Write("ragged.csv", "symbol,date,open,high,low,close,volume\nAAL,2017-01-03,1,2,0.5,1.5,100\nAAL,2017-01-04,1,2\n");
        using var run = BacktestRun.Start(["--pipeline", BacktestFiles.StocksPipeline, "--csv", csv, "--time-column", "date"]);
        AssertFails(run, 2, $"--csv: {csv}, line 3: 4 fields where the header has 7 columns.");
    }

    [Fact]
    public void An_invalid_pipeline_is_exit_3_naming_the_setting()
    {
        using var scratch = new ScratchDirectory();
        string pipeline = scratch.Write("bad.json", File.ReadAllText(BacktestFiles.StocksPipeline).Replace("\"HiddenSize\": 32", "\"HiddenSize\": 0", StringComparison.Ordinal));
        using var run = BacktestRun.Start(["--pipeline", pipeline, "--csv", BacktestFiles.StocksCsv, "--time-column", "date"]);
        AssertFails(run, 3, $"invalid pipeline: {pipeline}:Model:HiddenSize: must be between 1 and 4096");
    }

    [Fact]
    public void A_pipeline_file_that_is_not_json_is_exit_3()
    {
        using var scratch = new ScratchDirectory();
        string pipeline = scratch.Write("broken.json", "{ \"Name\": ");
        using var run = BacktestRun.Start(["--pipeline", pipeline, "--csv", BacktestFiles.StocksCsv]);
        Assert.Equal(3, run.ExitCode);
        Assert.StartsWith($"streamrnn-tools: {pipeline}: ", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void A_record_timestamp_pipeline_needs_the_time_column()
    {
        using var run = BacktestRun.Start(["--pipeline", BacktestFiles.StocksPipeline, "--csv", BacktestFiles.StocksCsv]);
        AssertFails(run, 2,
            "pipeline 'stocks' takes event time from the record timestamp (EventTime:Source = RecordTimestamp): name the CSV column holding it with --time-column (columns: symbol, date, open, high, low, close, volume).");
    }

    [Fact]
    public void A_key_column_for_a_pipeline_keyed_by_a_field_is_refused()
    {
        using var run = BacktestRun.Start(["--pipeline", BacktestFiles.StocksPipeline, "--csv", BacktestFiles.StocksCsv, "--time-column", "date", "--key-column", "symbol"]);
        AssertFails(run, 2, "--key-column = 'symbol': pipeline 'stocks' reads its key from field 'symbol' (Key:Source = Field); leave --key-column out.");
    }

    [Fact]
    public void Event_options_need_each_other_and_an_alerting_pipeline()
    {
        using var noAlerts = BacktestRun.Start(["--pipeline", BacktestFiles.StocksPipeline, "--csv", BacktestFiles.StocksCsv, "--time-column", "date", "--event-column", "close", "--event-value", "1"]);
        AssertFails(noAlerts, 2, "--event-column = 'close': pipeline 'stocks' has no Alerts section, so there is no alert quality to measure.");
        using var noValue = BacktestRun.Start(["--pipeline", BacktestFiles.BedExitPipeline, "--csv", BacktestFiles.BedExitCsv, "--time-column", "time_s", "--event-column", "in_bed"]);
        AssertFails(noValue, 2, "--event-column = 'in_bed' needs --event-value, the value that marks the event.");
    }

    [Fact]
    public void Options_are_checked_by_the_parser()
    {
        using var unknown = BacktestRun.Start(["--frobnicate", "1"]);
        AssertFails(unknown, 2, "unknown option '--frobnicate' for 'backtest'. See 'streamrnn-tools backtest --help'.");
        using var missing = BacktestRun.Start(["--csv", "a.csv", "--time-format", "Iso8601"]);
        AssertFails(missing, 2, "'backtest' needs --pipeline; see 'streamrnn-tools backtest --help'.");
        using var format = BacktestRun.Start(["--pipeline", "p", "--csv", "c", "--time-format", "1"]);
        AssertFails(format, 2, "--time-format: must be one of UnixMilliseconds, UnixSeconds, Iso8601.");
    }

    [Fact]
    public async Task The_executable_reports_a_missing_column_in_one_line_with_exit_code_2_and_runs_a_real_backtest()
    {
        using var scratch = new ScratchDirectory();
        string csv = scratch.Write("prices.csv", "symbol,date,close\nAAL,2017-01-03,1.5\n");
        await using (var failing = ToolsProcess.Start(["backtest", "--pipeline", BacktestFiles.StocksPipeline, "--csv", csv, "--time-column", "date", "--out", scratch.Combine("out")]))
        {
            Assert.Equal(2, await failing.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Empty(failing.Output);
            string line = Assert.Single(failing.Errors);
            Assert.Equal($"streamrnn-tools: --csv = '{csv}' has no column 'high', which pipeline 'stocks' needs for Features:1:Field (columns: symbol, date, close).", line);
        }

        await using var working = ToolsProcess.Start(["backtest", "--pipeline", BacktestFiles.StocksPipeline, "--csv", BacktestFiles.StocksCsv,
            "--time-column", "date", "--out", scratch.Combine("ok"), "--batch", "10"]);
        Assert.Equal(0, await working.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        Assert.Equal("backtest stocks: 753 rows, 3 keys, 750 predictions, 747 scored", working.Output[0]);
        Assert.Equal($"report: {scratch.Combine("ok", "report.md")} (and report.json, 3 charts)", working.Output[^1]);
        // Standard error is a pipe here, so progress is plain lines at every tenth, then the total.
        Assert.Equal(["backtest: 10% ", "backtest: 20% ", "backtest: 30% ", "backtest: 40% ", "backtest: 50% ", "backtest: 60% ", "backtest: 70% ", "backtest: 80% ", "backtest: 90% "],
            working.Errors.SkipLast(1).Select(line => line[..(line.IndexOf('%', StringComparison.Ordinal) + 2)]));
        Assert.StartsWith("backtest: 753 rows replayed in ", working.Errors[^1], StringComparison.Ordinal);
        Assert.True(File.Exists(scratch.Combine("ok", "report.json")));
    }
}
