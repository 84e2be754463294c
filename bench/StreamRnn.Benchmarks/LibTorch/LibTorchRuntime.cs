using System.Reflection;
using StreamRnn.Benchmarks.NativeLoading;
using TorchSharp;

namespace StreamRnn.Benchmarks.LibTorch;

/// <summary>Loads libtorch (after patching its glue) and owns its process-wide thread setting.</summary>
/// <remarks>
/// libtorch's intra-op thread count is process-global, so each libtorch benchmark sets it explicitly in its setup rather
/// than relying on what ran before it in the same process (in-process runs) or on the default (out-of-process runs).
/// "Default" means what libtorch chose by itself at start-up, read once before anything changes it.
/// </remarks>
public static class LibTorchRuntime
{
    private static readonly Lazy<int> StartupThreadCount = new(Load);

    /// <summary>libtorch's own default intra-op thread count in this process (on this machine: one per core).</summary>
    public static int DefaultThreadCount => StartupThreadCount.Value;

    /// <summary>Version of the TorchSharp managed assembly.</summary>
    public static string TorchSharpVersion =>
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Version string libtorch reports about itself.</summary>
    public static string LibTorchVersion
    {
        get
        {
            _ = StartupThreadCount.Value;
            return torch.__version__;
        }
    }

    /// <summary>Patches and loads libtorch (once) and sets its intra-op thread count.</summary>
    public static void UseThreads(int threads)
    {
        _ = StartupThreadCount.Value;
        torch.set_num_threads(threads);
        if (torch.get_num_threads() != threads)
        {
            throw new InvalidOperationException($"libtorch refused {threads} threads (has {torch.get_num_threads()}).");
        }
    }

    private static int Load()
    {
        // Must run before the first member of torch is touched: that loads libLibTorchSharp.so.
        TorchSharpNativeLibrary.EnsurePatched();
        return torch.get_num_threads();
    }
}
