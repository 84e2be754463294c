using System.Text.Json.Nodes;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>Without --model a backtest starts where the daemon would: from the pipeline's Model:File when it is set.</summary>
[Trait("Category", "Integration")]
public sealed class BacktestModelFileTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    [Fact]
    public void A_missing_Model_File_is_named_without_its_path()
    {
        var pipeline = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("config/pipelines/bed-exit.json")))!;
        pipeline["Model"]!["File"] = _scratch.Combine("hunter2", "no-such-model.srnn");
        string path = _scratch.Write("bed-exit.json", pipeline.ToJsonString());

        using var run = BacktestRun.Start(["--pipeline", path, "--csv", BacktestFiles.BedExitCsv, "--time-column", "time_s", "--keys", "d1p01M"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("streamrnn-tools: Model:File: the file does not exist." + Environment.NewLine, run.Error);
    }

    public void Dispose() => _scratch.Dispose();
}
