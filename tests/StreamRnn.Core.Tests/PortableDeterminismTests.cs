using System.Diagnostics;

namespace StreamRnn.Core.Tests;

/// <summary>
/// The same stream gives the same bits whatever instruction sets the CPU offers: the probe
/// (tests/StreamRnn.Core.DeterminismProbe) runs as a child process with the runtime's ISA switches turned off one by one
/// (no AVX-512: Vector256 kernels; no AVX2/FMA: Vector128 and software FMA; no hardware intrinsics at all: every
/// vector in software) and must print the same SHA-256 lines as with everything on.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PortableDeterminismTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);

    [Theory]
    [InlineData("DOTNET_EnableAVX512F DOTNET_EnableAVX512")] // .NET 8/9 name and the .NET 10 one (which alone takes effect there)
    [InlineData("DOTNET_EnableAVX2")]
    [InlineData("DOTNET_EnableHWIntrinsic")]
    public void StatesOutputsAndTrainedWeightsAreTheSameWithAnInstructionSetTurnedOff(string switches)
    {
        (string reference, string referenceIsa) = RunProbe([]);
        (string restricted, string restrictedIsa) = RunProbe(switches.Split(' '));
        Assert.Equal(29, reference.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.NotEqual(referenceIsa, restrictedIsa); // the switch really changed the vector hardware the probe saw
        Assert.Equal(reference, restricted);
    }

    private static (string Output, string Isa) RunProbe(string[] disabled)
    {
        string probe = Path.Combine(AppContext.BaseDirectory, "StreamRnn.Core.DeterminismProbe.dll");
        Assert.True(File.Exists(probe), $"{probe} is missing");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(probe);
        foreach (string name in new[] { "DOTNET_EnableAVX512F", "DOTNET_EnableAVX512", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic", "DOTNET_PreferredVectorBitWidth" })
        {
            start.Environment.Remove(name);
        }

        foreach (string name in disabled)
        {
            start.Environment[name] = "0";
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the probe ({string.Join(' ', disabled)}) did not finish within {Limit}");
        }

        Assert.True(process.ExitCode == 0, $"probe exit code {process.ExitCode}: {error.Result}");
        return (output.Result, error.Result);
    }
}
