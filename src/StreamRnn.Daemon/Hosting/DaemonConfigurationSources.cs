using Microsoft.Extensions.Configuration;

namespace StreamRnn.Daemon.Hosting;

/// <summary>
/// The configuration layers, later wins: appsettings.json → appsettings.{Environment}.json → environment
/// variables (<c>Kafka__BootstrapServers</c>, then <c>STREAMRNN_Kafka__BootstrapServers</c>) → command line
/// (<c>--Kafka:BootstrapServers=…</c>).
/// </summary>
/// <remarks>
/// The defaults of ASP.NET Core (user secrets, <c>ASPNETCORE_</c>/<c>DOTNET_</c> host variables) are removed so that
/// the layering is exactly the documented one. Unprefixed variables are kept because container platforms commonly
/// set them; the prefixed form wins so that a deployment can override anything without clashing names.
/// </remarks>
internal static class DaemonConfigurationSources
{
    public const string EnvironmentPrefix = "STREAMRNN_";

    public static void Apply(IConfigurationBuilder builder, string contentRoot, string environmentName, IReadOnlyList<string> commandLine)
    {
        builder.Sources.Clear();
        builder.SetBasePath(contentRoot);
        builder.AddJsonFile(ContentRootLocator.SettingsFile, optional: true, reloadOnChange: false);
        builder.AddJsonFile($"appsettings.{environmentName}.json", optional: true, reloadOnChange: false);
        builder.AddEnvironmentVariables();
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddCommandLine([.. commandLine]);
    }

    /// <summary>
    /// The environment name: <c>--environment</c>, else <c>STREAMRNN_ENVIRONMENT</c>, <c>DOTNET_ENVIRONMENT</c>,
    /// <c>ASPNETCORE_ENVIRONMENT</c>, else Production.
    /// </summary>
    public static string EnvironmentName(string? fromCommandLine)
    {
        foreach (string? candidate in new[]
                 {
                     fromCommandLine,
                     Environment.GetEnvironmentVariable(EnvironmentPrefix + "ENVIRONMENT"),
                     Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT"),
                     Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT"),
                 })
        {
            if (!string.IsNullOrWhiteSpace(candidate))
            {
                return candidate;
            }
        }

        return "Production";
    }
}
