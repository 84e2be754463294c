using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using StreamRnn.Daemon.Tests.Support;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// The control plane through the daemon's real HTTP server: key queries and model restore need the API key, cross-site
/// and foreign-Host requests are refused, TRACE is not served, and /metrics and /healthz stay open.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class HttpTrustBoundaryTests
{
    private const string ApiKey = "test-api-key-7f3a9c1e5b2d4680";
    private const string Restore = "/pipelines/stocks/model/restore";
    private const string KeyQuery = "/pipelines/stocks/keys/AAPL";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task With_an_api_key_the_control_plane_answers_only_authenticated_same_site_requests()
    {
        using var scratch = new ScratchDirectory();
        await using var daemon = Start(scratch, new Dictionary<string, string> { ["STREAMRNN_Http__ApiKey"] = ApiKey });
        var url = await daemon.WaitForHttpAsync(StartTimeout);
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };

        // Open to anyone (Prometheus, orchestrators), under any Host name.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, Get("/metrics")));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, Get("/healthz")));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, Get("/metrics", host: "streamrnn-1:9464")));

        // TRACE and other methods are not served, on open paths too.
        using (var trace = await http.SendAsync(new HttpRequestMessage(HttpMethod.Trace, "/metrics")))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, trace.StatusCode);
            Assert.Equal("GET, HEAD, POST", string.Join(", ", trace.Content.Headers.Allow));
        }

        Assert.Equal(HttpStatusCode.MethodNotAllowed, await StatusAsync(http, new HttpRequestMessage(HttpMethod.Delete, Restore)));

        // DNS rebinding: a foreign Host is refused, with the key too.
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(http, Get("/info", host: "attacker.example")));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(http, Get(KeyQuery, ApiKey, host: "attacker.example:9464")));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, Get("/info", host: "localhost:9464")));

        // Key queries: 401 without or with a wrong key; with the key (either header) the query runs (404: key not held).
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(http, Get(KeyQuery)));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(http, Get(KeyQuery, "test-api-key-7f3a9c1e5b2d4681")));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(http, Get(KeyQuery, ApiKey)));
        var header = Get(KeyQuery);
        header.Headers.Add("X-Api-Key", ApiKey);
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(http, header));

        // Restore: 401 without the key; cross-site shapes refused with it; a same-site JSON POST with it gets through
        // (409: nothing earlier to go back to in this fresh daemon).
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(http, Post(Restore, key: null)));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(http, Post(Restore, ApiKey, contentType: "text/plain")));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(http, Post(Restore, ApiKey, contentType: "application/x-www-form-urlencoded")));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(http, Post(Restore, ApiKey, origin: "http://attacker.example")));
        var formPost = Post(Restore, key: null, contentType: "text/plain", origin: "http://attacker.example");
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(http, formPost));
        Assert.Equal(HttpStatusCode.Conflict, await StatusAsync(http, Post(Restore, ApiKey, origin: url.GetLeftPart(UriPartial.Authority))));
        Assert.Equal(HttpStatusCode.Conflict, await StatusAsync(http, Post(Restore, ApiKey)));

        // /info: paths and the Kafka connection only with the key.
        using (var anonymous = JsonDocument.Parse(await http.GetStringAsync("/info")))
        {
            Assert.Equal(JsonValueKind.Null, anonymous.RootElement.GetProperty("contentRoot").ValueKind);
            Assert.Equal(JsonValueKind.Null, anonymous.RootElement.GetProperty("bootstrapServers").ValueKind);
            Assert.Equal(JsonValueKind.Null, anonymous.RootElement.GetProperty("clientConfig").ValueKind);
            Assert.Equal(3, anonymous.RootElement.GetProperty("pipelines").GetArrayLength());
        }

        using (var response = await http.SendAsync(Get("/info", ApiKey)))
        using (var full = JsonDocument.Parse(await response.Content.ReadAsStringAsync()))
        {
            Assert.False(string.IsNullOrEmpty(full.RootElement.GetProperty("contentRoot").GetString()));
            Assert.StartsWith("127.0.0.1:", full.RootElement.GetProperty("bootstrapServers").GetString(), StringComparison.Ordinal);
        }

        // The key itself is never printed.
        Assert.DoesNotContain(ApiKey, daemon.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_api_key_key_queries_and_restore_are_off_and_say_how_to_enable_them()
    {
        using var scratch = new ScratchDirectory();
        await using var daemon = Start(scratch, null);
        var url = await daemon.WaitForHttpAsync(StartTimeout);
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };

        foreach (var request in new[] { Get(KeyQuery), Get(KeyQuery, ApiKey), Post(Restore, key: null), Post(Restore, ApiKey) })
        {
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            string error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;
            Assert.Contains("set Http:ApiKey (environment: STREAMRNN_Http__ApiKey)", error, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, Get("/pipelines/stocks/model")));
        await daemon.WaitForLineAsync(l => l.Contains("Http:ApiKey is not set", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the start-up note on the API key");
        await daemon.WaitForLineAsync(l => l.Contains("Pipeline stocks: ModelTopic:SigningKey is not set", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5), "the start-up warning on unsigned model records");
        var readyz = await StatusAsync(http, Get("/readyz", host: "anything.example"));
        Assert.True(readyz is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"/readyz under a foreign Host answered {readyz}");
    }

    [Fact]
    public async Task A_too_short_api_key_stops_start_up_without_printing_it()
    {
        using var scratch = new ScratchDirectory();
        const string shortKey = "hunter2-secret";
        await using var daemon = Start(scratch, new Dictionary<string, string> { ["STREAMRNN_Http__ApiKey"] = shortKey });
        Assert.Equal(3, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(daemon.Errors, l => l.Contains("Http:ApiKey: is shorter than 16 characters", StringComparison.Ordinal));
        Assert.DoesNotContain(shortKey, daemon.Transcript, StringComparison.Ordinal);
    }

    private static DaemonProcess Start(ScratchDirectory scratch, IReadOnlyDictionary<string, string>? environment) => DaemonProcess.Start(
        ["--Http:Url=http://127.0.0.1:0", "--Demo:Enabled=false", $"--State:Directory={scratch.Combine("state")}"],
        workingDirectory: scratch.Path,
        environment: environment);

    private static HttpRequestMessage Get(string path, string? key = null, string? host = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        return request;
    }

    private static HttpRequestMessage Post(string path, string? key, string contentType = "application/json", string? origin = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent("{}", Encoding.UTF8, contentType),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return request;
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, HttpRequestMessage request)
    {
        using (request)
        using (var response = await http.SendAsync(request))
        {
            return response.StatusCode;
        }
    }
}
