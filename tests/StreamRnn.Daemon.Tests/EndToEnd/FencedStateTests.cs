using System.Globalization;
using System.Text;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// State that no pause or hostile record can corrupt, with daemon processes against an embedded cluster in this test
/// process: a garbage changelog record is quarantined (the daemon starts, becomes ready, no key loses more than that
/// record), and an instance frozen with SIGSTOP past its session timeout never writes stale state when it resumes.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class FencedStateTests : IDisposable
{
    private readonly StateHarness _harness = new("fenced");

    [Fact]
    public async Task A_garbage_changelog_record_is_quarantined_and_the_daemon_starts_ready_with_every_key_intact()
    {
        var first = StateHarness.Series(keys: 6, steps: 40, firstStep: 0);
        await _harness.ProduceWithKcatAsync(_harness.Definition.InputTopic, first);
        await using (var daemon = _harness.StartDaemon("a"))
        {
            await daemon.WaitForHttpAsync(StateHarness.Timeout);
            _harness.WaitForEveryInputToBePredicted(_harness.ReadInput(), () => daemon.Transcript);
            daemon.Terminate();
            Assert.Equal(0, await daemon.WaitForExitAsync(StateHarness.Timeout));
        }

        // Garbage on sensor-2's changelog partition, after its last good record, produced with kcat.
        int partition = _harness.ReadInput().First(r => Encoding.UTF8.GetString(r.Key) == "sensor-2").Partition;
        await _harness.ProduceWithKcatAsync(_harness.Definition.ChangelogTopic, [("sensor-2", "this is not a key state")], partition);
        long garbageOffset = _harness.ReadTopic(_harness.Definition.ChangelogTopic).Where(r => r.Partition == partition).Max(r => r.Offset);

        await _harness.ProduceWithKcatAsync(_harness.Definition.InputTopic, StateHarness.Series(keys: 6, steps: 20, firstStep: 40));
        await using var restarted = _harness.StartDaemon("a");
        var address = await restarted.WaitForHttpAsync(StateHarness.Timeout);
        await StateHarness.WaitForReadinessAsync(address, ready: true);
        var inputs = _harness.ReadInput();
        _harness.WaitForEveryInputToBePredicted(inputs, () => restarted.Transcript);

        Assert.Equal(1, await StateHarness.MetricAsync(address, "streamrnn_state_quarantined_total", "reason=\"changelog_record\""));
        string logged = await restarted.WaitForLineAsync(l => l.Contains("Quarantined changelog record", StringComparison.Ordinal),
            StateHarness.Timeout, "the quarantine log line");
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"[{partition}] @{garbageOffset}"), logged, StringComparison.Ordinal);
        Assert.Single(restarted.Output.Concat(restarted.Errors), l => l.Contains("Quarantined changelog record", StringComparison.Ordinal));

        // The bad record came after sensor-2's last good state, which it therefore keeps: every key continues exactly.
        await _harness.AssertStatesEqualUninterruptedRunAsync(inputs, address);
        Assert.False(restarted.HasExited, restarted.Transcript);
    }

    [Fact]
    public async Task An_instance_frozen_past_its_session_timeout_writes_no_stale_state_and_every_key_ends_bit_identical()
    {
        const int keys = 24;
        await using var one = _harness.StartDaemon("one");
        await using var two = _harness.StartDaemon("two");
        var oneAddress = await one.WaitForHttpAsync(StateHarness.Timeout);
        var twoAddress = await two.WaitForHttpAsync(StateHarness.Timeout);
        await _harness.ProduceWithKcatAsync(_harness.Definition.InputTopic, StateHarness.Series(keys, steps: 40, firstStep: 0));
        _harness.WaitForEveryInputToBePredicted(_harness.ReadInput(), () => one.Transcript);
        await Wait.UntilAsync(
            async () => await StateHarness.KeysHeldAsync(oneAddress, keys) > 0 && await StateHarness.KeysHeldAsync(twoAddress, keys) > 0,
            StateHarness.Timeout, "the two instances to split the keys between them", () => $"{one.Transcript}\n=== two ===\n{two.Transcript}",
            poll: TimeSpan.FromMilliseconds(100));

        // A stream in small steps; "one" is frozen in the middle of it (with unflushed state), long past the session
        // timeout, so "two" takes its partitions over and moves their keys on; then "one" resumes.
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

        await StreamAsync(TimeSpan.FromSeconds(2));

        // A burst, frozen in the middle: "one" holds fetched, unprocessed records and changed, unflushed keys, which
        // it processes (and would flush) on resuming before its consumer hears that the group has moved on.
        await _harness.ProduceWithKcatAsync(_harness.Definition.InputTopic, StateHarness.Series(keys, steps: 150, firstStep: step));
        step += 150;
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
        var inputs = _harness.ReadInput();
        _harness.WaitForEveryInputToBePredicted(inputs, () => one.Transcript + "\n=== two ===\n" + two.Transcript);

        // The frozen instance found out it had been left behind (at a fencing probe or from its consumer).
        Assert.Contains(one.Output, l => l.Contains("Fenced:", StringComparison.Ordinal) || l.Contains("Partitions lost", StringComparison.Ordinal));

        // "one" leaves cleanly; "two" restores whatever "one" held from the changelog and then holds every key.
        one.Terminate();
        Assert.Equal(0, await one.WaitForExitAsync(StateHarness.Timeout));
        await two.WaitUntilAsync(async () => await StateHarness.KeysHeldAsync(twoAddress, keys) >= keys, StateHarness.Timeout,
            "the survivor to take every key over", TimeSpan.FromMilliseconds(100));

        await StateHarness.WaitForReadinessAsync(twoAddress, ready: true);
        await _harness.AssertStatesEqualUninterruptedRunAsync(inputs, twoAddress);

        // No stale write: per key, the applied offsets on the changelog never go backwards.
        var changelog = _harness.ReadTopic(_harness.Definition.ChangelogTopic).Where(r => r.Value.Length > 0);
        foreach (var group in changelog.GroupBy(r => (r.Partition, Key: Encoding.UTF8.GetString(r.Key))))
        {
            var applied = group.OrderBy(r => r.Offset).Select(r => StateHarness.AppliedOffsetOf(r.Value)).ToList();
            for (int i = 1; i < applied.Count; i++)
            {
                Assert.True(applied[i] >= applied[i - 1],
                    $"{group.Key.Key}: changelog record {i} claims applied offset {applied[i]} after {applied[i - 1]} (a stale write)\n{one.Transcript}");
            }
        }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    public void Dispose() => _harness.Dispose();
}
