using System.Runtime.InteropServices;

namespace StreamRnn.LoadTest.Reporting;

/// <summary>Where the numbers were measured: CPU model, cores, OS, runtime and how busy the machine was.</summary>
public static class MachineDescription
{
    public static string Describe() =>
        $"{CpuModel()}, {Environment.ProcessorCount} cores; {RuntimeInformation.OSDescription}; {RuntimeInformation.FrameworkDescription}; " +
        $"load average {LoadAverage()}";

    /// <summary>The 1-minute load average (runnable tasks, other helpers' builds included).</summary>
    public static string LoadAverage()
    {
        const string path = "/proc/loadavg";
        return File.Exists(path) ? File.ReadAllText(path).Split(' ')[0] : "unknown";
    }

    private static string CpuModel()
    {
        const string cpuInfo = "/proc/cpuinfo";
        if (!File.Exists(cpuInfo))
        {
            return "unknown CPU";
        }

        string? line = File.ReadLines(cpuInfo).FirstOrDefault(text => text.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? "unknown CPU" : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}
