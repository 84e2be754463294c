using System.Runtime.CompilerServices;

namespace StreamRnn.Tests.Support;

/// <summary>
/// The repository the tests were built from, found by walking up from the test assembly to StreamRnn.sln, so the
/// tests read the real deployment files wherever the build put the assembly.
/// </summary>
/// <remarks>
/// With <c>--artifacts-path</c> outside the tree (as every helper builds here) nothing above the assembly holds
/// the solution; the walk then starts from this source file's compile-time path instead.
/// </remarks>
internal static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(() => Locate(SourceFile()));

    public static string Path => Root.Value;

    /// <summary>A path inside the repository from '/'-separated parts, e.g. "config/prometheus".</summary>
    public static string Combine(string relativePath) =>
        System.IO.Path.Combine(Path, relativePath.Replace('/', System.IO.Path.DirectorySeparatorChar));

    private static string Locate(string sourceFile)
    {
        foreach (string? start in new[] { AppContext.BaseDirectory, System.IO.Path.GetDirectoryName(sourceFile) ?? "" })
        {
            for (var directory = new DirectoryInfo(start); directory is not null && start.Length > 0; directory = directory.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(directory.FullName, "StreamRnn.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"No StreamRnn.sln above {AppContext.BaseDirectory} or {sourceFile}: tests that read repository files must run from a build of the repository.");
    }

    private static string SourceFile([CallerFilePath] string path = "") => path;
}
