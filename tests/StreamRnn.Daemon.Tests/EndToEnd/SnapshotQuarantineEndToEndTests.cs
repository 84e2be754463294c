using System.Text;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// A corrupt local snapshot (a damaged state volume) is quarantined by the daemon process: renamed, counted with
/// reason="snapshot", logged once, and the partition restored from its changelog alone, so every key still ends
/// bit-identical to an uninterrupted run. Records produced with kcat into an embedded cluster reached over TCP.
/// </summary>
[Trait("Category", "ExternalTool")]
public sealed class SnapshotQuarantineEndToEndTests : IDisposable
{
    private readonly StateHarness _harness = new("snapshot-quarantine");

    [Fact]
    public async Task A_corrupt_snapshot_is_quarantined_and_the_partition_restores_from_its_changelog_with_every_key_intact()
    {
        await _harness.ProduceWithKcatAsync(_harness.Definition.InputTopic, StateHarness.Series(keys: 6, steps: 40, firstStep: 0));
        int partition = _harness.ReadInput().First(r => Encoding.UTF8.GetString(r.Key) == "sensor-2").Partition;
        string snapshot = _harness.Scratch.Combine("state-a", _harness.Definition.Name, $"partition-{partition}.snapshot");
        await using (var daemon = _harness.StartDaemon("a"))
        {
            await daemon.WaitForHttpAsync(StateHarness.Timeout);
            _harness.WaitForEveryInputToBePredicted(_harness.ReadInput(), () => daemon.Transcript);
            var deadline = DateTime.UtcNow + StateHarness.Timeout;
            while (!File.Exists(snapshot))
            {
                Assert.True(DateTime.UtcNow < deadline, $"no snapshot of partition {partition} was written\n{daemon.Transcript}");
                await Task.Delay(100);
            }

            daemon.Terminate();
            Assert.Equal(0, await daemon.WaitForExitAsync(StateHarness.Timeout));
        }

        File.WriteAllBytes(snapshot, "not a snapshot at all, a damaged disk block"u8.ToArray());
        await _harness.ProduceWithKcatAsync(_harness.Definition.InputTopic, StateHarness.Series(keys: 6, steps: 20, firstStep: 40));

        await using var restarted = _harness.StartDaemon("a");
        var address = await restarted.WaitForHttpAsync(StateHarness.Timeout);
        await StateHarness.WaitForReadinessAsync(address, ready: true);
        var inputs = _harness.ReadInput();
        _harness.WaitForEveryInputToBePredicted(inputs, () => restarted.Transcript);

        Assert.Equal(1, await StateHarness.MetricAsync(address, "streamrnn_state_quarantined_total", "reason=\"snapshot\""));
        Assert.Equal(0, await StateHarness.MetricAsync(address, "streamrnn_state_quarantined_total", "reason=\"changelog_record\""));
        string marker = $"Quarantined the snapshot of temps partition {partition}";
        await restarted.WaitForLineAsync(l => l.Contains(marker, StringComparison.Ordinal), StateHarness.Timeout, "the snapshot quarantine line");
        Assert.Single(restarted.Output.Concat(restarted.Errors), l => l.Contains("Quarantined the snapshot", StringComparison.Ordinal));
        Assert.True(File.Exists(snapshot + ".quarantined"), "the corrupt snapshot was not set aside");

        await _harness.AssertStatesEqualUninterruptedRunAsync(inputs, address);
        Assert.False(restarted.HasExited, restarted.Transcript);
    }

    public void Dispose() => _harness.Dispose();
}
