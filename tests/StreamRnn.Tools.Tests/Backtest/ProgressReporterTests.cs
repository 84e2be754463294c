using Microsoft.Extensions.Time.Testing;
using StreamRnn.Daemon.Backtest;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>The progress display: a bar redrawn in place on a terminal, plain lines in logs.</summary>
[Trait("Category", "Unit")]
public sealed class ProgressReporterTests
{
    [Fact]
    public void Without_a_terminal_it_writes_one_line_per_tenth_and_a_total()
    {
        var clock = new FakeTimeProvider();
        using var writer = new StringWriter();
        var progress = new ProgressReporter(writer, interactive: false, clock);
        progress.Start(1000);
        for (int done = 50; done <= 1000; done += 50)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            progress.Report(done);
        }

        progress.Finish(1000, TimeSpan.FromSeconds(2));

        string[] lines = writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                "backtest: 10% (100/1,000 rows, 500 rows/s)", "backtest: 20% (200/1,000 rows, 500 rows/s)",
                "backtest: 30% (300/1,000 rows, 500 rows/s)", "backtest: 40% (400/1,000 rows, 500 rows/s)",
                "backtest: 50% (500/1,000 rows, 500 rows/s)", "backtest: 60% (600/1,000 rows, 500 rows/s)",
                "backtest: 70% (700/1,000 rows, 500 rows/s)", "backtest: 80% (800/1,000 rows, 500 rows/s)",
                "backtest: 90% (900/1,000 rows, 500 rows/s)", "backtest: 1,000 rows replayed in 2.00 s (500 rows/s)",
            ],
            lines);
        Assert.DoesNotContain('\r', writer.ToString());
    }

    [Fact]
    public void On_a_terminal_it_redraws_one_bar_in_place_at_most_every_100_ms()
    {
        var clock = new FakeTimeProvider();
        using var writer = new StringWriter();
        var progress = new ProgressReporter(writer, interactive: true, clock);
        progress.Start(300);
        clock.Advance(TimeSpan.FromMilliseconds(10));
        progress.Report(100);
        clock.Advance(TimeSpan.FromMilliseconds(10));
        progress.Report(150);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        progress.Report(200);
        progress.Finish(300, TimeSpan.FromSeconds(1));

        string text = writer.ToString();
        string[] draws = text.Split('\r', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, draws.Length);
        Assert.Equal("[##########....................]  33%  100/300 rows  10,000 rows/s", draws[0]);
        Assert.Equal("[####################..........]  67%  200/300 rows  1,667 rows/s", draws[1]);
        Assert.StartsWith("[##############################] 100%  300/300 rows", draws[2], StringComparison.Ordinal);
        Assert.EndsWith(Environment.NewLine + "backtest: 300 rows replayed in 1.00 s (300 rows/s)" + Environment.NewLine, text, StringComparison.Ordinal);
    }
}
