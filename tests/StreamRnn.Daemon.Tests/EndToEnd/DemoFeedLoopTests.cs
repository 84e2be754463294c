using System.Globalization;
using System.Text.Json;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>The demo feeds, sped up so that the bed-exit file (385 s of data) repeats within a second.</summary>
[Trait("Category", "ExternalTool")]
public sealed class DemoFeedLoopTests
{
    [Fact]
    public async Task Feeds_repeat_with_time_shifted_so_event_time_keeps_increasing_per_key()
    {
        using var scratch = new ScratchDirectory();
        await using var daemon = DaemonProcess.Start(
            ["--Http:Url=http://127.0.0.1:0", TestApiKey.Argument, "--Demo:Speed=1000", $"--State:Directory={scratch.Combine("state")}"],
            workingDirectory: scratch.Path);
        var url = await daemon.WaitForHttpAsync(TimeSpan.FromSeconds(60));
        using var http = TestApiKey.Client(url);
        using var info = JsonDocument.Parse(await http.GetStringAsync("/info"));
        string bootstrap = info.RootElement.GetProperty("bootstrapServers").GetString()!;
        await daemon.WaitForLineAsync(l => l.Contains("Demo feed bed_exit_rfid_room1_4trials.csv finished pass 2", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), "the bed-exit feed's second repeat");

        var records = await ConsumeWithTimestampsAsync(bootstrap, "sensors.bed-exit");
        daemon.Terminate();
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        var byTrial = records.GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(["d1p55F", "d1p56F", "d1p57F", "d1p58F"], byTrial.Keys.Order());
        foreach (var (trial, rows) in byTrial)
        {
            // In partition (= produce) order, both the row's own time and the record timestamp never go back.
            for (int i = 1; i < rows.Count; i++)
            {
                Assert.True(rows[i].TimeSeconds >= rows[i - 1].TimeSeconds, $"{trial}: time_s {rows[i - 1].TimeSeconds} then {rows[i].TimeSeconds}");
                Assert.True(rows[i].TimestampMs >= rows[i - 1].TimestampMs, $"{trial}: timestamp {rows[i - 1].TimestampMs} then {rows[i].TimestampMs}");
            }
        }

        // d1p55F's last reading is at 384.75 s; after two repeats its times are beyond two cycles of ≈ 385 s.
        Assert.True(byTrial["d1p55F"].Max(r => r.TimeSeconds) > 2 * 385, $"max time_s {byTrial["d1p55F"].Max(r => r.TimeSeconds)}");
        Assert.Equal(0, byTrial["d1p55F"][0].TimeSeconds);
    }

    private sealed record FeedRecord(string Key, double TimeSeconds, long TimestampMs);

    private static async Task<List<FeedRecord>> ConsumeWithTimestampsAsync(string bootstrap, string topic)
    {
        var records = new List<FeedRecord>();
        foreach (string line in await Kcat.ConsumeAsync(bootstrap, topic, "%k\t%T\t%s\n", timeout: TimeSpan.FromSeconds(60)))
        {
            string[] parts = line.Split('\t', 3);
            using var value = JsonDocument.Parse(parts[2]);
            Assert.Equal(parts[0], value.RootElement.GetProperty("trial_id").GetString());
            records.Add(new FeedRecord(parts[0], value.RootElement.GetProperty("time_s").GetDouble(), long.Parse(parts[1], CultureInfo.InvariantCulture)));
        }

        return records;
    }
}
