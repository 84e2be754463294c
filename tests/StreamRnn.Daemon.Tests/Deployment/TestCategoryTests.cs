using System.Text.RegularExpressions;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// Every test class in the repository says what it needs, so <c>dotnet test --filter Category=Unit</c> (or
/// Integration, EndToEnd, ExternalTool) selects a meaningful part of the suite: a class with a [Fact] or [Theory]
/// carries exactly one [Trait("Category", ...)] with one of the four names.
/// </summary>
[Trait("Category", "Unit")]
public sealed partial class TestCategoryTests
{
    private static readonly string[] Categories = ["Unit", "Integration", "EndToEnd", "ExternalTool"];

    [Fact]
    public void Every_test_class_carries_one_known_category()
    {
        string tests = RepositoryRoot.Combine("tests");
        var files = Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(files);

        var problems = new List<string>();
        int categorised = 0;
        foreach (string? file in files)
        {
            string text = File.ReadAllText(file);
            if (!text.Contains("[Fact", StringComparison.Ordinal) && !text.Contains("[Theory", StringComparison.Ordinal))
            {
                continue;
            }

            var traits = CategoryTrait().Matches(text).Select(m => m.Groups[1].Value).ToList();
            string relative = Path.GetRelativePath(RepositoryRoot.Path, file);
            if (traits.Count == 0)
            {
                problems.Add($"{relative}: no [Trait(\"Category\", ...)]");
            }

            problems.AddRange(traits.Where(t => !Categories.Contains(t)).Select(t => $"{relative}: unknown category '{t}'"));
            categorised += traits.Count;
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.True(categorised >= 100, $"only {categorised} categorised test classes found under {tests}");
    }

    [GeneratedRegex("""\[Trait\("Category",\s*"([^"]*)"\)\]""")]
    private static partial Regex CategoryTrait();
}
