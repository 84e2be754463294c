namespace StreamRnn.Daemon.Configuration;

/// <summary>
/// Decides which librdkafka properties may be shown in logs and on <c>/info</c>: a key naming a password, secret,
/// key or token (<c>sasl.password</c>, <c>ssl.key.password</c>, <c>sasl.oauthbearer.client.secret</c>,
/// <c>ssl.key.pem</c>…) has its value replaced by <see cref="Mask"/>.
/// </summary>
/// <remarks>
/// Deliberately broad: <c>ssl.key.location</c> is only a path, but hiding a path costs an operator little while
/// showing a secret cannot be undone. <c>sasl.oauthbearer.config</c> and <c>sasl.kerberos.*</c> can embed
/// credentials without saying so in the key, so they are hidden too.
/// </remarks>
internal static class ClientConfigRedaction
{
    public const string Mask = "***";

    private static readonly string[] SecretWords = ["password", "secret", "key", "token", "oauthbearer.config", "kerberos", "credential"];

    public static bool IsSecret(string key)
    {
        foreach (string word in SecretWords)
        {
            if (key.Contains(word, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A copy with secret values masked, ordered by key, for logs and <c>/info</c>.</summary>
    public static SortedDictionary<string, string> Redact(IReadOnlyDictionary<string, string> config)
    {
        var shown = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in config)
        {
            shown[key] = IsSecret(key) ? Mask : value;
        }

        return shown;
    }

    /// <summary>"key=value, key=***" for one log line.</summary>
    public static string Describe(IReadOnlyDictionary<string, string> config)
    {
        if (config.Count == 0)
        {
            return "(none)";
        }

        return string.Join(", ", Redact(config).Select(pair => $"{pair.Key}={pair.Value}"));
    }
}
