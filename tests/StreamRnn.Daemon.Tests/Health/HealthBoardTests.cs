using Microsoft.Extensions.Time.Testing;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Health;

namespace StreamRnn.Daemon.Tests.Health;

[Trait("Category", "Unit")]

public sealed class HealthBoardTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Empty_board_is_ready()
    {
        var snapshot = new HealthBoard().Snapshot();

        Assert.True(snapshot.IsReady);
        Assert.Empty(snapshot.Components);
    }

    [Fact]
    public void Ready_only_when_every_component_is_healthy()
    {
        var board = new HealthBoard(new FakeTimeProvider(Start));
        board.ReportHealthy("broker", "embedded");
        board.ReportUnhealthy("processing", "restoring partitions");

        var snapshot = board.Snapshot();
        Assert.False(snapshot.IsReady);
        Assert.Equal(
            [new ComponentHealth("broker", true, "embedded", Start), new ComponentHealth("processing", false, "restoring partitions", Start)],
            snapshot.Components);

        board.ReportHealthy("processing", "4 partitions");
        Assert.True(board.Snapshot().IsReady);

        board.Remove("processing");
        board.ReportUnhealthy("broker", "down");
        Assert.Equal([new ComponentHealth("broker", false, "down", Start)], board.Snapshot().Components);
    }

    [Fact]
    public void Since_moves_only_when_health_flips()
    {
        var clock = new FakeTimeProvider(Start);
        var board = new HealthBoard(clock);
        board.ReportUnhealthy("loop", "starting");
        clock.Advance(TimeSpan.FromSeconds(5));
        board.ReportUnhealthy("loop", "restoring");
        Assert.Equal(new ComponentHealth("loop", false, "restoring", Start), board.Snapshot().Components[0]);

        clock.Advance(TimeSpan.FromSeconds(5));
        board.ReportHealthy("loop", "ok");
        clock.Advance(TimeSpan.FromSeconds(5));
        board.ReportHealthy("loop", "still ok");
        Assert.Equal(new ComponentHealth("loop", true, "still ok", Start.AddSeconds(10)), board.Snapshot().Components[0]);
    }

    [Fact]
    public void Components_are_ordered_by_name()
    {
        var board = new HealthBoard();
        board.ReportHealthy("c");
        board.ReportHealthy("a");
        board.ReportHealthy("b");

        Assert.Equal(["a", "b", "c"], board.Snapshot().Components.Select(c => c.Name));
    }

    [Fact]
    public void Rejects_empty_names()
    {
        var board = new HealthBoard();

        Assert.Throws<ArgumentException>(() => board.ReportHealthy(""));
        Assert.Throws<ArgumentNullException>(() => board.ReportUnhealthy(null!, "x"));
    }

    [Fact]
    public async Task Concurrent_reports_and_snapshots_stay_consistent()
    {
        var board = new HealthBoard();
        const int Writers = 4;
        const int Reports = 20_000;
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (int i = 0; i < Reports; i++)
            {
                if (i % 2 == 0)
                {
                    board.ReportUnhealthy($"c{w}", $"r{i}");
                }
                else
                {
                    board.ReportHealthy($"c{w}", $"r{i}");
                }
            }
        })).ToArray();
        var reader = Task.Run(() =>
        {
            while (!writers.All(t => t.IsCompleted))
            {
                var snapshot = board.Snapshot();
                Assert.Equal(snapshot.Components.All(c => c.IsHealthy), snapshot.IsReady);
            }
        });

        await Task.WhenAll([.. writers, reader]);

        var final = board.Snapshot();
        Assert.True(final.IsReady);
        Assert.Equal(Writers, final.Components.Count);
        Assert.All(final.Components, c => Assert.Equal($"r{Reports - 1}", c.Reason));
    }
}
