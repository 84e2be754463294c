namespace StreamRnn.Benchmarks.NativeLoading;

/// <summary>
/// Makes TorchSharp's native glue loadable on Linux distributions whose libstdc++ is older than the one it was
/// linked against (Debian 12), by patching the copy in the build output; see <see cref="ElfVersionNeedPatcher"/>.
/// </summary>
/// <remarks>
/// TorchSharp first loads <c>libLibTorchSharp.so</c> from <c>runtimes/linux-x64/native</c> next to TorchSharp.dll,
/// so patching that copy is enough; the package cache is never touched. Two callers: the MSBuild target
/// <c>PatchTorchSharpNativeLibrary</c> (after every build of this project) and <see cref="EnsurePatched"/>, which every
/// libtorch benchmark calls before its first torch call, because BenchmarkDotNet's child process runs from a build
/// output of its own.
/// </remarks>
public static class TorchSharpNativeLibrary
{
    /// <summary>The version the glue needs but never uses.</summary>
    public const string MissingVersion = "GLIBCXX_3.4.32";

    /// <summary>The only symbol that carries <see cref="MissingVersion"/>: referenced, never relocated or called.</summary>
    public const string UnusedSymbol = "_ZSt21ios_base_library_initv";

    private static readonly Lazy<ElfPatchOutcome?> PatchOnce = new(() => PatchIn(AppContext.BaseDirectory));

    /// <summary>Path of the glue library in a build output folder.</summary>
    public static string GluePath(string outputDirectory) =>
        Path.Combine(outputDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    /// <summary>Patches the glue of this process's output once; null when there is nothing to patch (not Linux, or no glue file).</summary>
    public static ElfPatchOutcome? EnsurePatched() => PatchOnce.Value;

    /// <summary>Patches the glue library at <paramref name="path"/>.</summary>
    public static ElfPatchOutcome PatchFile(string path) =>
        ElfVersionNeedPatcher.PatchFile(path, MissingVersion, [UnusedSymbol]);

    private static ElfPatchOutcome? PatchIn(string outputDirectory)
    {
        string path = GluePath(outputDirectory);
        return OperatingSystem.IsLinux() && File.Exists(path) ? PatchFile(path) : null;
    }
}
