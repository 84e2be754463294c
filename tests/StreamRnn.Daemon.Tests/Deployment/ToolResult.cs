namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>What an external tool did: its exit code and everything it wrote.</summary>
internal sealed record ToolResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Everything the tool said, for assertion messages.</summary>
    public string Transcript => $"$ {CommandLine}\nexit {ExitCode}\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";
}
