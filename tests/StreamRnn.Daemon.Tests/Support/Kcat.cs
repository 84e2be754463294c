namespace StreamRnn.Daemon.Tests.Support;

/// <summary>Debian's kcat (librdkafka 2.0), an independent Kafka client to check what the daemon wrote.</summary>
internal static class Kcat
{
    private static string Program => ToolRun.Require("kcat", "kcat");

    /// <summary>Every record of a topic from the beginning, as "key TAB value" lines, stopping at the end.</summary>
    public static async Task<IReadOnlyList<string>> ConsumeAllAsync(string bootstrap, string topic, int? count = null)
    {
        string[] arguments = ["-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k\t%s\n"];
        if (count is not null)
        {
            arguments = [.. arguments, "-c", count.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        }

        var result = await ToolRun.RunAsync(Program, arguments, TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, $"kcat failed ({result.ExitCode}): {result.Error}");
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The cluster's metadata as kcat -L prints it.</summary>
    public static async Task<string> ListAsync(string bootstrap)
    {
        var result = await ToolRun.RunAsync(Program, ["-b", bootstrap, "-L"], TimeSpan.FromSeconds(30));
        Assert.True(result.ExitCode == 0, $"kcat -L failed ({result.ExitCode}): {result.Error}");
        return result.Output;
    }
}
