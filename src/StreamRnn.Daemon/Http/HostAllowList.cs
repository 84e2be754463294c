using System.Net;

namespace StreamRnn.Daemon.Http;

/// <summary>
/// The host names the daemon answers (<c>Http:AllowedHosts</c>): a page served from elsewhere that re-points its
/// own name at 127.0.0.1 (DNS rebinding) still sends its own name in the Host header, and is refused.
/// </summary>
internal sealed class HostAllowList
{
    private readonly string[] _exact;
    private readonly string[] _suffixes;
    private readonly bool _any;

    public HostAllowList(string configured)
    {
        string[] entries = Split(configured);
        if (entries.Length == 0)
        {
            entries = ["localhost", "127.0.0.1", "[::1]", Environment.MachineName];
        }

        _any = entries.Contains("*");
        _exact = [.. entries.Where(e => !e.StartsWith('*')).Select(Normalize)];
        _suffixes = [.. entries.Where(e => e.StartsWith("*.", StringComparison.Ordinal)).Select(e => Normalize(e[1..]))];
    }

    /// <summary>The entries of a <c>;</c>-separated list, trimmed, empty ones dropped.</summary>
    public static string[] Split(string? configured) =>
        (configured ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>True for <c>*</c>, <c>*.domain</c>, a DNS name or an IP address (IPv6 in brackets or bare).</summary>
    public static bool IsValidPattern(string entry)
    {
        if (entry == "*")
        {
            return true;
        }

        string name = entry.StartsWith("*.", StringComparison.Ordinal) ? entry[2..] : entry;
        if (name.StartsWith('[') && name.EndsWith(']'))
        {
            return IPAddress.TryParse(name[1..^1], out _);
        }

        return Uri.CheckHostName(name) != UriHostNameType.Unknown;
    }

    /// <summary>True when the Host header's name (without port) is allowed; a request without a Host is refused.</summary>
    public bool Allows(HostString host)
    {
        if (_any)
        {
            return true;
        }

        if (!host.HasValue || string.IsNullOrEmpty(host.Host))
        {
            return false;
        }

        string name = Normalize(host.Host);
        return _exact.Contains(name, StringComparer.Ordinal)
            || _suffixes.Any(suffix => name.EndsWith(suffix, StringComparison.Ordinal) && name.Length > suffix.Length);
    }

    private static string Normalize(string host)
    {
        string name = host.TrimEnd('.').ToLowerInvariant();
        // A bare IPv6 address in the list matches the bracketed form of the Host header.
        return name.Contains(':') && !name.StartsWith('[') ? $"[{name}]" : name;
    }
}
