using System.Runtime.InteropServices;
using StreamRnn.Benchmarks.LibTorch;

namespace StreamRnn.Benchmarks.Reporting;

/// <summary>What a result table must state about where it was measured.</summary>
public static class MachineDescription
{
    /// <summary>CPU model and count, OS, .NET runtime, TorchSharp and libtorch versions and libtorch's default threads.</summary>
    public static IReadOnlyList<string> Describe() =>
    [
        $"CPU: {CpuModel()}, {Environment.ProcessorCount} logical cores visible to .NET",
        $"OS: {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})",
        $".NET: {RuntimeInformation.FrameworkDescription}",
        $"TorchSharp {LibTorchRuntime.TorchSharpVersion}, libtorch {LibTorchRuntime.LibTorchVersion} (CPU), default intra-op threads {LibTorchRuntime.DefaultThreadCount}",
    ];

    private static string CpuModel()
    {
        const string cpuInfo = "/proc/cpuinfo";
        if (!File.Exists(cpuInfo))
        {
            return "unknown";
        }

        string? line = File.ReadLines(cpuInfo).FirstOrDefault(text => text.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? "unknown" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}
