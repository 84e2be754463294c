using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// A real Prometheus server (Debian's prometheus binary) on a free loopback port with its own storage folder, for
/// scraping a daemon started by a test and querying the result through the HTTP API. Killed on dispose.
/// </summary>
internal sealed class PrometheusServer : IDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;

    private PrometheusServer(Process process, int port)
    {
        _process = process;
        Port = port;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public int Port { get; }

    /// <summary>Starts Prometheus with <paramref name="configFile"/>, keeping its data under <paramref name="directory"/>.</summary>
    public static PrometheusServer Start(string configFile, string directory)
    {
        int port = FreePort();
        var start = new ProcessStartInfo(ExternalTool.Locate("prometheus"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (string? argument in new[]
                 {
                     $"--config.file={configFile}",
                     $"--storage.tsdb.path={Path.Combine(directory, "tsdb")}",
                     $"--web.listen-address=127.0.0.1:{port}",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("prometheus did not start");
        // Its log goes to stderr; drain both pipes so it never blocks on them.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new PrometheusServer(process, port);
    }

    /// <summary>Waits until /-/ready answers 200.</summary>
    public Task WaitUntilReadyAsync(TimeSpan timeout) =>
        Wait.UntilAsync(
            async () =>
            {
                try
                {
                    using var response = await _http.GetAsync("/-/ready");
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false; // Not listening yet.
                }
            },
            timeout, "prometheus to be ready", abandon: () => _process.HasExited ? $"prometheus exited with {_process.ExitCode}" : null,
            poll: TimeSpan.FromMilliseconds(200));

    /// <summary>Runs an instant query; fails the test when Prometheus reports an error. Returns the result array.</summary>
    public async Task<JsonElement> QueryAsync(string expression)
    {
        using var response = await _http.PostAsync("/api/v1/query",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["query"] = expression }));
        string body = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(body);
        Assert.True(document.RootElement.GetProperty("status").GetString() == "success", $"`{expression}`: {body}");
        return document.RootElement.GetProperty("data").GetProperty("result").Clone();
    }

    /// <summary>The rule groups as /api/v1/rules reports them (health and last error per rule).</summary>
    public async Task<JsonElement> RulesAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync("/api/v1/rules"));
        return document.RootElement.GetProperty("data").GetProperty("groups").Clone();
    }

    /// <summary>Polls until <paramref name="expression"/> returns at least one series, and returns them.</summary>
    public async Task<JsonElement> WaitForSeriesAsync(string expression, TimeSpan timeout)
    {
        JsonElement result = default;
        await Wait.UntilAsync(async () => (result = await QueryAsync(expression)).GetArrayLength() > 0, timeout,
            $"`{expression}` to return a series", poll: TimeSpan.FromMilliseconds(500));
        return result;
    }

    public void Dispose()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
