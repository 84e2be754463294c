using Microsoft.Extensions.Options;
using StreamRnn.Daemon.Http;

namespace StreamRnn.Daemon.Configuration;

/// <summary>
/// <c>Http:Url</c> must be something Kestrel can bind: <c>http://HOST:PORT</c> with no path. HTTPS is refused
/// here rather than failing later for want of a certificate: terminate TLS in front of the daemon. A non-empty
/// <c>Http:ApiKey</c> must be long enough to resist guessing; <c>Http:AllowedHosts</c> entries must be host patterns.
/// </summary>
internal sealed class HttpOptionsCrossFieldValidator : IValidateOptions<HttpOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Url) && !TryParse(options.Url, out _, out string? problem))
        {
            failures.Add(SettingMessage.Format("Http:Url", problem));
        }

        if (options.ApiKey.Length > 0 && options.ApiKey.Trim().Length < HttpOptions.MinimumApiKeyLength)
        {
            failures.Add(SettingMessage.Format("Http:ApiKey",
                $"is shorter than {HttpOptions.MinimumApiKeyLength} characters; use a random key (e.g. `openssl rand -hex 32`) or leave it empty"));
        }

        foreach (string host in HostAllowList.Split(options.AllowedHosts))
        {
            if (!HostAllowList.IsValidPattern(host))
            {
                failures.Add(SettingMessage.Format("Http:AllowedHosts",
                    "has an entry that is not a host name, an IP address, '*' or '*.domain' (entries are separated by ';')"));
                break;
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Parses the URL, accepting Kestrel's wildcard hosts <c>*</c> and <c>+</c>.</summary>
    public static bool TryParse(string url, out Uri uri, out string problem)
    {
        string text = url.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal)
            .Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(text, UriKind.Absolute, out uri!))
        {
            problem = "is not an absolute URL; write http://HOST:PORT, e.g. http://127.0.0.1:9464";
            return false;
        }

        if (uri.Scheme != Uri.UriSchemeHttp)
        {
            problem = "has a scheme that is not supported: only http (put a TLS proxy in front for https)";
            return false;
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            problem = "must not have a path, query or fragment";
            return false;
        }

        problem = "";
        return true;
    }
}
