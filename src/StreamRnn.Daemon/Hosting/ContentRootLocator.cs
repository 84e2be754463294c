using StreamRnn.CommandLine;

namespace StreamRnn.Daemon.Hosting;

/// <summary>
/// Finds the folder holding <c>appsettings.json</c> and <c>config/</c>, against which relative settings
/// (<c>PipelineFiles</c>, <c>State:Directory</c>) are resolved.
/// </summary>
/// <remarks>
/// In order: an explicit <c>--content-root</c>; the current directory if it holds appsettings.json (the Quick start
/// runs <c>dotnet run --project src/StreamRnn.Daemon</c> from the repository root, whose appsettings.json and
/// config/pipelines are the defaults); the executable's folder if it does (the build copies both there, so
/// <c>dotnet streamrnn.dll</c> works from anywhere, e.g. in the container); else the current directory, with
/// built-in defaults only.
/// </remarks>
internal static class ContentRootLocator
{
    public const string SettingsFile = "appsettings.json";

    public static string Locate(string? explicitRoot, string currentDirectory, string executableDirectory)
    {
        if (explicitRoot is not null)
        {
            string full = Path.GetFullPath(explicitRoot, currentDirectory);
            if (!Directory.Exists(full))
            {
                throw new CommandLineException($"--content-root = '{explicitRoot}': the directory does not exist.");
            }

            return full;
        }

        if (File.Exists(Path.Combine(currentDirectory, SettingsFile)))
        {
            return Path.GetFullPath(currentDirectory);
        }

        if (File.Exists(Path.Combine(executableDirectory, SettingsFile)))
        {
            return Path.GetFullPath(executableDirectory);
        }

        return Path.GetFullPath(currentDirectory);
    }
}
