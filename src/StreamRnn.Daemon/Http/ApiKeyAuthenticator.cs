using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StreamRnn.Daemon.Configuration;

namespace StreamRnn.Daemon.Http;

/// <summary>
/// Checks a request's API key (<c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>) against
/// <c>Http:ApiKey</c>. Both sides are hashed with SHA-256 and the hashes compared in constant time, so neither the
/// key's content nor its length leaks through response timing.
/// </summary>
internal sealed class ApiKeyAuthenticator
{
    public const string HeaderName = "X-Api-Key";

    private readonly byte[]? _expectedHash;

    public ApiKeyAuthenticator(IOptions<HttpOptions> options)
    {
        // Presented keys are trimmed (header values may carry spaces), so the configured one is too.
        string key = options.Value.ApiKey.Trim();
        _expectedHash = string.IsNullOrEmpty(key) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(key));
    }

    /// <summary>False when no key is configured: the endpoints that need one are then switched off.</summary>
    public bool IsConfigured => _expectedHash is not null;

    /// <summary>True when a key is configured and the request carries it.</summary>
    public bool IsAuthenticated(HttpContext context)
    {
        if (_expectedHash is null || PresentedKey(context.Request) is not { Length: > 0 } presented)
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), hash);
        return CryptographicOperations.FixedTimeEquals(hash, _expectedHash);
    }

    private static string? PresentedKey(HttpRequest request)
    {
        string authorization = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        if (authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase))
        {
            return authorization[bearer.Length..].Trim();
        }

        return request.Headers.TryGetValue(HeaderName, out var header) ? header.ToString().Trim() : null;
    }
}
