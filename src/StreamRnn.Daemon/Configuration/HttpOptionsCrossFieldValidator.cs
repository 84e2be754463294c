using Microsoft.Extensions.Options;

namespace StreamRnn.Daemon.Configuration;

/// <summary>
/// <c>Http:Url</c> must be something Kestrel can bind: <c>http://HOST:PORT</c> with no path. HTTPS is refused
/// here rather than failing later for want of a certificate: terminate TLS in front of the daemon.
/// </summary>
internal sealed class HttpOptionsCrossFieldValidator : IValidateOptions<HttpOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Url))
        {
            return ValidateOptionsResult.Success;
        }

        return TryParse(options.Url, out _, out var problem)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(SettingMessage.Format("Http:Url", options.Url, problem));
    }

    /// <summary>Parses the URL, accepting Kestrel's wildcard hosts <c>*</c> and <c>+</c>.</summary>
    public static bool TryParse(string url, out Uri uri, out string problem)
    {
        var text = url.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal)
            .Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(text, UriKind.Absolute, out uri!))
        {
            problem = "is not an absolute URL; write http://HOST:PORT, e.g. http://127.0.0.1:9464";
            return false;
        }

        if (uri.Scheme != Uri.UriSchemeHttp)
        {
            problem = $"scheme '{uri.Scheme}' is not supported: only http (put a TLS proxy in front for https)";
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
