using StreamRnn.Daemon.Backtest;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>How CSV rows become records: times, keys and the replay order.</summary>
[Trait("Category", "Unit")]
public sealed class BacktestInputTests
{
    [Theory]
    [InlineData("0.75", null, 750L)]
    [InlineData("103.25", null, 103_250L)]
    [InlineData("2013-02-08", null, 1_360_281_600_000L)]
    [InlineData("2013-12-02 21:15:00", null, 1_386_018_900_000L)]
    [InlineData("2013-12-02T21:15:00+01:00", null, 1_386_015_300_000L)]
    [InlineData("1700000000000", EventTimeFormat.UnixMilliseconds, 1_700_000_000_000L)]
    [InlineData("1700000000.5", EventTimeFormat.UnixSeconds, 1_700_000_000_500L)]
    [InlineData("2013-02-08", EventTimeFormat.UnixSeconds, null)]
    [InlineData("12", EventTimeFormat.Iso8601, null)]
    [InlineData("", null, null)]
    [InlineData("soon", null, null)]
    public void Time_cells_are_read_as_the_demo_feeds_write_them(string cell, EventTimeFormat? format, long? expected)
    {
        Assert.Equal(expected, BacktestInput.ParseTime(cell, format));
    }

    [Fact]
    public void Rows_are_replayed_in_event_time_order_ties_in_file_order_unreadable_times_first_and_a_record_key_defaults_to_the_file_name()
    {
        using var scratch = new ScratchDirectory();
        string csv = scratch.Write("boiler-7.csv", "t,value\n5,1\n3,2\n5,3\nlater,4\n1,5\n");
        string pipeline = scratch.Write("p.json", """
            { "Name": "boiler", "InputTopic": "in", "OutputTopic": "out", "Features": [ { "Field": "value" } ],
              "Target": { "Field": "value" }, "Model": { "HiddenSize": 2, "Head": "Linear" } }
            """);
        var definition = BacktestRunner.LoadPipeline(pipeline);
        var input = BacktestInput.Load(new BacktestSettings(pipeline, csv, "unused", TimeColumn: "t"), definition);

        Assert.Equal([5L, 6, 3, 2, 4], input.Rows.Select(r => r.Line));
        Assert.Equal([long.MinValue, 1000, 3000, 5000, 5000], input.Rows.Select(r => r.EventTimeUnixMs));
        Assert.All(input.Rows, r => Assert.Equal("boiler-7", r.Key));
        Assert.All(input.Rows, r => Assert.Equal("boiler-7"u8.ToArray(), r.RecordKey));
        Assert.Equal("""{"t":5,"value":1}""", System.Text.Encoding.UTF8.GetString(input.Rows[3].Json));

        // Replayed, the unreadable time is dead-lettered by the runtime as the daemon would, the rest predicted.
        var result = new BacktestRunner(new BacktestSettings(pipeline, csv, "unused", TimeColumn: "t")).Run();
        Assert.Equal(DeadLetterReason.BadTimestamp, Assert.Single(result.Sink.DeadLetters).Value);
        Assert.Equal([1L, 2, 3, 4], result.Sink.Predictions.Select(p => p.Offset));
    }
}
