using System.Text.RegularExpressions;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// The metric (series) names a PromQL expression selects, found lexically: string literals, label matchers,
/// ranges, grouping clauses and numbers are blanked out; what remains as a bare identifier that is neither a
/// keyword nor a function call is a metric name. Enough for the expressions of this repository, and checked
/// against promtool's parser separately (every expression must also pass `promtool check rules`).
/// </summary>
internal static partial class PromQlMetricNames
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
        "atan2", "inf", "nan", "Inf", "NaN",
    };

    public static IReadOnlyList<string> In(string expression)
    {
        string text = StringLiteral().Replace(expression, " ");
        text = LabelMatchers().Replace(text, " ");
        text = RangeOrSubquery().Replace(text, " ");
        text = GroupingClause().Replace(text, " ");
        text = NumberLiteral().Replace(text, " ");
        var names = new List<string>();
        foreach (Match match in Identifier().Matches(text))
        {
            var rest = text.AsSpan(match.Index + match.Length).TrimStart();
            bool isCall = rest.Length > 0 && rest[0] == '(';
            if (!isCall && !Keywords.Contains(match.Value))
            {
                names.Add(match.Value);
            }
        }

        return names;
    }

    /// <summary>Each vector selector of a metric and its label matchers ("" when it has none).</summary>
    public static IEnumerable<(string Metric, string Matchers)> Selectors(string expression)
    {
        foreach (Match match in Selector().Matches(expression))
        {
            yield return (match.Groups["name"].Value, match.Groups["matchers"].Value);
        }
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex RangeOrSubquery();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex GroupingClause();

    [GeneratedRegex(@"(?<![\w:$])(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")]
    private static partial Regex NumberLiteral();

    [GeneratedRegex(@"(?<![\w:$])[A-Za-z_:][A-Za-z0-9_:]*")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"(?<![\w:$])(?<name>streamrnn_[a-z0-9_]+)\s*(?:\{(?<matchers>[^}]*)\})?")]
    private static partial Regex Selector();
}
