using System.Text.RegularExpressions;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// The layout rule of issue 12: no source file under src/ is over 400 lines, and the three coordinators
/// (StreamProcessor, PipelineRuntime, OnlineTrainer) are single-file classes composed of collaborators rather than
/// one class spread over partial files.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SourceFileSizeTests
{
    private const int MaxLines = 400;

    [Fact]
    public void No_source_file_is_over_400_lines()
    {
        var files = SourceFiles();
        Assert.NotEmpty(files);
        var tooLong = files
            .Select(f => (File: Path.GetRelativePath(RepositoryRoot.Path, f), Lines: File.ReadLines(f).Count()))
            .Where(f => f.Lines > MaxLines)
            .Select(f => $"{f.File}: {f.Lines} lines")
            .ToList();
        Assert.True(tooLong.Count == 0, $"over {MaxLines} lines: {string.Join("; ", tooLong)}");
    }

    [Theory]
    [InlineData("StreamProcessor")]
    [InlineData("PipelineRuntime")]
    [InlineData("OnlineTrainer")]
    public void The_coordinators_are_not_partial_classes(string type)
    {
        var declaration = new Regex($@"\b(partial\s+)?class\s+{type}\b");
        var declarations = SourceFiles()
            .SelectMany(f => declaration.Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Partial: m.Groups[1].Success)))
            .ToList();
        Assert.Equal([($"{type}.cs", false)], declarations);
    }

    private static List<string> SourceFiles()
    {
        char separator = Path.DirectorySeparatorChar;
        return Directory.EnumerateFiles(RepositoryRoot.Combine("src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{separator}obj{separator}", StringComparison.Ordinal)
                && !f.Contains($"{separator}bin{separator}", StringComparison.Ordinal))
            .ToList();
    }
}
