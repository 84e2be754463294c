using System.Diagnostics;
using System.Globalization;
using System.Text;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Daemon.Tests.Support;
using Xunit.Abstractions;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>
/// The backtest's trainer clock starts just before the data (not at 1970-01-01): the same rounds, versions and
/// predictions as a start at the epoch, without walking the empty intervals in between.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TrainerClockStartTests(ITestOutputHelper output)
{
    [Fact]
    public void The_start_is_a_whole_number_of_intervals_one_interval_before_the_first_batch()
    {
        var interval = TimeSpan.FromSeconds(30);
        // 2013-12-02T21:15:00Z = 1386018900 s = 46200630 intervals of 30 s: start one interval before that boundary.
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_386_018_870), TrainerClockStart.At(1_386_018_900_000, interval));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_386_018_870), TrainerClockStart.At(1_386_018_929_999, interval));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_386_018_900), TrainerClockStart.At(1_386_018_930_000, interval));
        // Within two intervals of the epoch: the epoch, as before.
        Assert.Equal(DateTimeOffset.UnixEpoch, TrainerClockStart.At(59_999, interval));
        Assert.Equal(DateTimeOffset.UnixEpoch, TrainerClockStart.At(-5_000, interval));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(30), TrainerClockStart.At(60_000, interval));
    }

    [Fact]
    public void Training_in_lock_step_gives_the_same_rounds_and_predictions_as_a_clock_started_at_the_epoch()
    {
        // The machine-temperature sample (5-minute readings), moved to start at 1970-01-12 07:13:17 (not on a 30 s
        // boundary) so the epoch-started clock has only ~32,000 empty intervals to walk; batches of 7 rows.
        using var scratch = new ScratchDirectory();
        string[] lines = File.ReadAllLines(BacktestFiles.MachineCsv);
        var first = DateTime.Parse(lines[1].Split(',')[0], CultureInfo.InvariantCulture);
        var shift = new DateTime(1970, 1, 12, 7, 13, 17) - first;
        var text = new StringBuilder(lines[0]).Append('\n');
        foreach (string? line in lines.Skip(1))
        {
            string[] cells = line.Split(',');
            var time = DateTime.Parse(cells[0], CultureInfo.InvariantCulture) + shift;
            text.Append(time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append(',').Append(cells[1]).Append('\n');
        }

        string csv = scratch.Write("machine_temperature_1970.csv", text.ToString());
        var settings = new BacktestSettings(BacktestFiles.MachinePipeline, csv, scratch.Combine("out"), TimeColumn: "timestamp", BatchRows: 7);
        long began = Stopwatch.GetTimestamp();
        var epoch = new BacktestRunner(settings) { TrainerClockAtEpoch = true }.Run();
        var epochTime = Stopwatch.GetElapsedTime(began);
        began = Stopwatch.GetTimestamp();
        var early = new BacktestRunner(settings).Run();
        var earlyTime = Stopwatch.GetElapsedTime(began);
        output.WriteLine($"clock at the epoch {epochTime.TotalSeconds:F2} s, at the data {earlyTime.TotalSeconds:F2} s");

        // Training did something worth comparing: many rounds, several promotions.
        Assert.True(epoch.Training.Rounds >= 20, $"{epoch.Training.Rounds} rounds");
        Assert.True(epoch.Training.Promoted >= 2, $"{epoch.Training.Promoted} promoted");
        Assert.Equal(epoch.Training, early.Training);
        Assert.Equal(epoch.Sink.Predictions.Count, early.Sink.Predictions.Count);
        for (int i = 0; i < epoch.Sink.Predictions.Count; i++)
        {
            var a = epoch.Sink.Predictions[i];
            var b = early.Sink.Predictions[i];
            Assert.Equal(a.Offset, b.Offset);
            Assert.Equal(a.ModelVersion, b.ModelVersion);
            Assert.Equal(BitConverter.DoubleToInt64Bits(a.Mean), BitConverter.DoubleToInt64Bits(b.Mean));
            Assert.Equal(BitConverter.DoubleToInt64Bits(a.StandardDeviation), BitConverter.DoubleToInt64Bits(b.StandardDeviation));
        }

        Assert.Equal(epoch.FinalWeights.Version, early.FinalWeights.Version);
    }
}
