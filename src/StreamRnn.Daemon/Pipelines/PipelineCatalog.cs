using Microsoft.Extensions.FileSystemGlobbing;
using StreamRnn.Daemon.Configuration;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Pipelines;

/// <summary>
/// Every pipeline the daemon runs: the inline <c>Pipelines</c> list followed by the files matched by
/// <c>PipelineFiles</c> (in path order), each validated with <see cref="PipelineDefinition.Validate"/>.
/// </summary>
/// <remarks>
/// Loading collects every error before failing, so one start-up shows an operator all that is wrong. Besides each
/// definition's own checks, pipelines must have distinct names, must not share a changelog or model topic
/// (two pipelines writing one key's state into one topic would restore each other's state), and must not share an
/// input topic (the consumer loop routes each input topic to exactly one pipeline).
/// </remarks>
public sealed class PipelineCatalog
{
    private PipelineCatalog(IReadOnlyList<LoadedPipeline> pipelines) => Pipelines = pipelines;

    public IReadOnlyList<LoadedPipeline> Pipelines { get; }

    /// <summary>The pipeline of that name (exact), or null.</summary>
    public PipelineDefinition? Find(string name)
    {
        foreach (var pipeline in Pipelines)
        {
            if (pipeline.Definition.Name == name)
            {
                return pipeline.Definition;
            }
        }

        return null;
    }

    /// <summary>Loads and validates; throws <see cref="InvalidPipelineException"/> listing every problem.</summary>
    public static PipelineCatalog Load(PipelineSourceOptions options, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var loaded = new List<LoadedPipeline>();
        for (int i = 0; i < options.Pipelines.Count; i++)
        {
            string source = $"Pipelines:{i}";
            var definition = options.Pipelines[i];
            errors.AddRange(definition.Validate(source));
            loaded.Add(new LoadedPipeline(definition, source));
        }

        foreach (string file in MatchFiles(options.PipelineFiles, contentRoot, errors))
        {
            string source = Path.GetRelativePath(contentRoot, file);
            try
            {
                var definition = PipelineDefinition.Load(file);
                errors.AddRange(definition.Validate(source));
                loaded.Add(new LoadedPipeline(definition, source));
            }
            catch (InvalidPipelineException exception)
            {
                errors.AddRange(exception.Errors);
            }
            catch (IOException exception)
            {
                errors.Add($"{source}: cannot be read: {exception.Message}");
            }
        }

        if (loaded.Count == 0 && errors.Count == 0)
        {
            errors.Add(SettingMessage.Format("PipelineFiles",
                $"matched no file under {contentRoot} and Pipelines is empty: configure at least one pipeline"));
        }

        CheckDistinct(loaded, p => p.Name, "Name", errors);
        CheckDistinct(loaded, p => p.InputTopic, "InputTopic", errors);
        CheckDistinct(loaded, p => p.ChangelogTopic, "ChangelogTopic", errors);
        CheckDistinct(loaded, p => p.ModelTopic, "ModelTopic", errors);
        if (errors.Count > 0)
        {
            throw new InvalidPipelineException(errors);
        }

        return new PipelineCatalog(loaded);
    }

    private static List<string> MatchFiles(string patterns, string contentRoot, List<string> errors)
    {
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string pattern in patterns.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string full = Path.GetFullPath(pattern, contentRoot);
            int wildcard = full.IndexOfAny(['*', '?']);
            if (wildcard < 0)
            {
                if (File.Exists(full))
                {
                    files.Add(full);
                }
                else
                {
                    errors.Add(SettingMessage.Format("PipelineFiles", $"names a file that does not exist: {full}"));
                }

                continue;
            }

            string baseDirectory = full[..(full.LastIndexOf(Path.DirectorySeparatorChar, wildcard) + 1)];
            var matcher = new Matcher(StringComparison.Ordinal);
            matcher.AddInclude(full[baseDirectory.Length..]);
            foreach (string file in matcher.GetResultsInFullPath(baseDirectory))
            {
                files.Add(file);
            }
        }

        return [.. files];
    }

    private static void CheckDistinct(List<LoadedPipeline> loaded, Func<PipelineDefinition, string> select, string setting, List<string> errors)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pipeline in loaded)
        {
            string value = select(pipeline.Definition);
            if (!seen.TryAdd(value, pipeline.Source))
            {
                errors.Add(SettingMessage.Format($"{pipeline.Source}:{setting}", $"has the same value as in {seen[value]}: pipelines need distinct values"));
            }
        }
    }
}
