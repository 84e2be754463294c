using StreamRnn.Daemon.Demo;

namespace StreamRnn.Daemon.Tests.Demo;

[Trait("Category", "Unit")]

public sealed class DemoScheduleTests
{
    private static DemoSchedule Load(string pipeline)
    {
        var feed = DemoFeedDefinition.Bundled.Single(f => f.Pipeline == pipeline);
        return DemoSchedule.Load(feed, Path.Combine(AppContext.BaseDirectory, "DemoData", feed.File));
    }

    [Fact]
    public void Stocks_start_together_and_repeat_with_dates_shifted_by_the_span_plus_one_day()
    {
        var schedule = Load("stocks");

        Assert.Equal(6295, schedule.Rows.Count);
        // Same offset: file order (the source file lists BAC before BA).
        Assert.Equal(["AAPL", "AMZN", "BAC", "BA", "CAT"], schedule.Rows.Take(5).Select(r => r.Key));
        Assert.All(schedule.Rows.Take(5), r => Assert.Equal(0, r.Offset));
        Assert.Equal("2013-02-08", schedule.TimeText(schedule.Rows[0], 0));
        Assert.Equal(1826 * 86_400.0, schedule.Cycle);
        Assert.Equal("2018-02-08", schedule.TimeText(schedule.Rows[0], 1));
        Assert.Equal("2023-02-08", schedule.TimeText(schedule.Rows[0], 2)); // 2020 is a leap year
        Assert.Equal("2018-02-07", schedule.TimeText(schedule.Rows[^1], 0));
        Assert.True(schedule.Rows.Zip(schedule.Rows.Skip(1)).All(p => p.First.Offset <= p.Second.Offset));
    }

    [Fact]
    public void Machine_temperature_is_one_series_and_a_repeat_continues_five_minutes_after_the_last_row()
    {
        var schedule = Load("machine-temperature");

        Assert.Equal(22_695, schedule.Rows.Count);
        Assert.All(schedule.Rows, r => Assert.Equal("machine_temperature_system_failure", r.Key));
        Assert.Equal("2013-12-02 21:15:00", schedule.TimeText(schedule.Rows[0], 0));
        Assert.Equal("2014-02-19 15:25:00", schedule.TimeText(schedule.Rows[^1], 0));
        Assert.Equal("2014-02-19 15:30:00", schedule.TimeText(schedule.Rows[0], 1));
    }

    [Fact]
    public void Bed_exit_trials_run_side_by_side_and_repeat_after_the_longest_trial()
    {
        var schedule = Load("bed-exit");

        Assert.Equal(1906, schedule.Rows.Count);
        Assert.Equal(["d1p55F", "d1p56F", "d1p57F", "d1p58F"], schedule.Rows.Select(r => r.Key).Distinct().Order());
        Assert.Equal(506, schedule.Rows.Count(r => r.Key == "d1p55F"));
        Assert.Equal(384.75, schedule.Rows.Where(r => r.Key == "d1p55F").Max(r => r.Offset));
        Assert.True(schedule.Cycle > 384.75 && schedule.Cycle < 386, $"cycle {schedule.Cycle}");
        var first = schedule.Rows[0];
        Assert.Equal("0", schedule.TimeText(first, 0));
        Assert.Equal(DemoSchedule.FormatTime(schedule.Cycle, DemoTimeFormat.Seconds), schedule.TimeText(first, 1));
    }

    [Theory]
    [InlineData("2013-02-08", "Date", 1_360_281_600.0, "2013-02-08")]
    [InlineData("2013-12-02 21:15:00", "DateTime", 1_386_018_900.0, "2013-12-02 21:15:00")]
    [InlineData("2013-12-02 21:15:00.5", "DateTime", 1_386_018_900.5, "2013-12-02 21:15:00")]
    [InlineData("103.25", "Seconds", 103.25, "103.25")]
    [InlineData("0", "Seconds", 0.0, "0")]
    public void Times_are_read_and_written_in_the_file_format(string text, string formatName, double seconds, string written)
    {
        var format = Enum.Parse<DemoTimeFormat>(formatName);
        Assert.Equal(seconds, DemoSchedule.ParseTime(text, format));
        Assert.Equal(written, DemoSchedule.FormatTime(seconds, format));
    }

    [Theory]
    [InlineData("2013-02-30", "Date")]
    [InlineData("02/08/2013", "Date")]
    [InlineData("2013-12-02T21:15:00", "DateTime")]
    [InlineData("NaN", "Seconds")]
    [InlineData("", "Seconds")]
    public void Bad_times_are_not_guessed(string text, string formatName)
    {
        Assert.Null(DemoSchedule.ParseTime(text, Enum.Parse<DemoTimeFormat>(formatName)));
    }
}
