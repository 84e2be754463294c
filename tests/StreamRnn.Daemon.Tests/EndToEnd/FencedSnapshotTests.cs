using System.Globalization;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// The other half of the paused-instance scenario: an instance frozen with SIGSTOP past its session timeout later
/// takes every partition back (its peer leaves) and restores them from its own local snapshots and the changelog.
/// Nothing it held or wrote while it was out of the group may roll a key back: every key ends bit-identical to an
/// uninterrupted run. Daemon processes against an embedded cluster in this test process, records produced with kcat.
/// </summary>
[Trait("Category", "ExternalTool")]
public sealed class FencedSnapshotTests : IDisposable
{
    private readonly StateHarness _harness = new("fenced-snapshot");

    [Fact]
    public async Task A_frozen_instance_that_takes_every_partition_back_restores_no_stale_state()
    {
        const int keys = 24;
        await using var one = _harness.StartDaemon("one");
        await using var two = _harness.StartDaemon("two");
        var oneAddress = await one.WaitForHttpAsync(StateHarness.Timeout);
        var twoAddress = await two.WaitForHttpAsync(StateHarness.Timeout);
        await _harness.ProduceWithKcatAsync(_harness.Definition.InputTopic, StateHarness.Series(keys, steps: 40, firstStep: 0));
        _harness.WaitForEveryInputToBePredicted(_harness.ReadInput(), () => one.Transcript);
        var deadline = DateTime.UtcNow + StateHarness.Timeout;
        while (await StateHarness.KeysHeldAsync(oneAddress, keys) == 0 || await StateHarness.KeysHeldAsync(twoAddress, keys) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the two instances never split the keys between them\n{one.Transcript}\n=== two ===\n{two.Transcript}");
            await Task.Delay(100);
        }

        int step = 40;
        async Task StreamAsync(TimeSpan duration)
        {
            var until = DateTime.UtcNow + duration;
            while (DateTime.UtcNow < until)
            {
                await _harness.ProduceWithKcatAsync(_harness.Definition.InputTopic, StateHarness.Series(keys, steps: 2, firstStep: step));
                step += 2;
                await Task.Delay(50);
            }
        }

        // Snapshots of "one" exist (every second after a commit), then a burst it holds unflushed when it is frozen.
        await StreamAsync(TimeSpan.FromSeconds(2));
        await _harness.ProduceWithKcatAsync(_harness.Definition.InputTopic, StateHarness.Series(keys, steps: 150, firstStep: step));
        step += 150;
        static bool FromSnapshot(string line) => line.Contains("Restored temps partition", StringComparison.Ordinal)
            && line.Contains("after a local snapshot", StringComparison.Ordinal);
        int snapshotRestoresBefore = one.Output.Count(FromSnapshot);
        Signal(one.Id, "STOP");
        try
        {
            await StreamAsync(TimeSpan.FromSeconds(16));
        }
        finally
        {
            Signal(one.Id, "CONT");
        }

        await StreamAsync(TimeSpan.FromSeconds(4));
        _harness.WaitForEveryInputToBePredicted(_harness.ReadInput(), () => one.Transcript + "\n=== two ===\n" + two.Transcript);
        Assert.Contains(one.Output, l => l.Contains("Fenced:", StringComparison.Ordinal) || l.Contains("Partitions lost", StringComparison.Ordinal));

        // Now "two" leaves and "one" holds every partition: those it had before the freeze it restores (on rejoining
        // or now) from its own pre-freeze snapshots plus the changelog, the others from the changelog.
        two.Terminate();
        int exitCode = await two.WaitForExitAsync(StateHarness.Timeout);
        Assert.True(exitCode == 0, $"\"two\" exited with {exitCode} on SIGTERM\n{two.Transcript}");
        while (await StateHarness.KeysHeldAsync(oneAddress, keys) < keys)
        {
            Assert.True(DateTime.UtcNow < deadline + StateHarness.Timeout, $"the frozen instance never took every key back\n{one.Transcript}");
            await Task.Delay(100);
        }

        await StateHarness.WaitForReadinessAsync(oneAddress, ready: true);
        Assert.True(one.Output.Count(FromSnapshot) > snapshotRestoresBefore, $"no partition was restored from a local snapshot after the freeze\n{one.Transcript}");
        await StreamAsync(TimeSpan.FromSeconds(2));
        var inputs = _harness.ReadInput();
        _harness.WaitForEveryInputToBePredicted(inputs, () => one.Transcript);
        await _harness.AssertStatesEqualUninterruptedRunAsync(inputs, oneAddress);
        Assert.False(one.HasExited, one.Transcript);
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    public void Dispose() => _harness.Dispose();
}
