using System.Net.Http.Headers;
using System.Text;

namespace StreamRnn.Daemon.Tests.Support;

/// <summary>The Http:ApiKey that tests give daemons whose key queries, model restore or full /info they use.</summary>
internal static class TestApiKey
{
    public const string Value = "streamrnn-tests-0f1e2d3c4b5a6978";

    /// <summary>The command-line argument that sets it.</summary>
    public const string Argument = "--Http:ApiKey=" + Value;

    /// <summary>An HTTP client that sends the key with every request.</summary>
    public static HttpClient Client(Uri? baseAddress = null)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        if (baseAddress is not null)
        {
            http.BaseAddress = baseAddress;
        }

        Authorize(http);
        return http;
    }

    public static void Authorize(HttpClient http) =>
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Value);

    /// <summary>The body of a control-plane POST: JSON, as the daemon requires of mutating requests.</summary>
    public static StringContent JsonBody() => new("{}", Encoding.UTF8, "application/json");
}
