using System.Text;
using System.Text.Json;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>docker/Dockerfile split into instructions (comments dropped, line continuations joined).</summary>
internal sealed class Dockerfile
{
    public const string RelativePath = "docker/Dockerfile";

    private Dockerfile(IReadOnlyList<DockerfileInstruction> instructions) => Instructions = instructions;

    public IReadOnlyList<DockerfileInstruction> Instructions { get; }

    /// <summary>Index of the last stage (the image that is shipped).</summary>
    public int FinalStage => Instructions.Max(i => i.Stage);

    public static Dockerfile Load()
    {
        var instructions = new List<DockerfileInstruction>();
        int stage = -1;
        var pending = new StringBuilder();
        foreach (string rawLine in File.ReadLines(RepositoryRoot.Combine(RelativePath)))
        {
            string line = rawLine.Trim();
            if (pending.Length == 0 && (line.Length == 0 || line.StartsWith('#')))
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending.Append(line[..^1]).Append(' ');
                continue;
            }

            pending.Append(line);
            string text = pending.ToString().Trim();
            pending.Clear();
            int space = text.IndexOf(' ');
            string keyword = text[..space].ToUpperInvariant();
            if (keyword == "FROM")
            {
                stage++;
            }

            instructions.Add(new DockerfileInstruction(keyword, text[(space + 1)..].Trim(), stage));
        }

        return new Dockerfile(instructions);
    }

    public IEnumerable<DockerfileInstruction> All(string keyword, int? stage = null) =>
        Instructions.Where(i => i.Keyword == keyword && (stage is null || i.Stage == stage));

    /// <summary>The value of an ARG default, for resolving ${NAME} in FROM lines.</summary>
    public string Resolve(string text)
    {
        foreach (string[]? argument in All("ARG").Select(a => a.Arguments.Split('=', 2)).Where(a => a.Length == 2))
        {
            text = text.Replace("${" + argument[0] + "}", argument[1], StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>ENV NAME=VALUE pairs of a stage (several per instruction allowed).</summary>
    public IReadOnlyDictionary<string, string> Environment(int stage)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var instruction in All("ENV", stage))
        {
            foreach (string pair in instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] parts = pair.Split('=', 2);
                environment[parts[0]] = parts[1];
            }
        }

        return environment;
    }

    /// <summary>The arguments of an exec-form (JSON array) instruction.</summary>
    public static IReadOnlyList<string> ExecForm(string arguments) =>
        JsonSerializer.Deserialize<string[]>(arguments) ?? throw new FormatException($"'{arguments}' is not a JSON array");

    /// <summary>COPY sources from the build context (COPY --from=stage ... is excluded).</summary>
    public IEnumerable<string> ContextSources() =>
        All("COPY")
            .Select(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => !parts.Any(p => p.StartsWith("--from=", StringComparison.Ordinal)))
            .SelectMany(parts => parts.Where(p => !p.StartsWith("--", StringComparison.Ordinal)).SkipLast(1));
}
