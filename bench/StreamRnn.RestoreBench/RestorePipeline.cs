using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Training;

namespace StreamRnn.RestoreBench;


/// <summary>
/// The shipped stocks pipeline (config/pipelines/stocks.json: LSTM H = 32, one layer, Gaussian head, four features),
/// with room for every key of the run and, when asked, Training:Enabled so each key's training window is state too.
/// </summary>
internal static class RestorePipeline
{
    public static PipelineDefinition Create(int keys, bool training)
    {
        var definition = PipelineDefinition.Load(Path.Combine(RepositoryRoot(), "config", "pipelines", "stocks.json"));
        definition.State.MaxKeys = keys;
        definition.Training.Enabled = training;
        definition.EnsureValid();
        return definition;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "StreamRnn.sln")))
            {
                return directory.FullName;
            }
        }

        // Run from outside the tree (an --artifacts-path elsewhere): the working directory is the fallback.
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "StreamRnn.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("StreamRnn.sln not found above the bench or the working directory.");
    }
}
