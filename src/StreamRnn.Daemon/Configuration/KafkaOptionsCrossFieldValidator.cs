using Microsoft.Extensions.Options;

namespace StreamRnn.Daemon.Configuration;

/// <summary>
/// Checks of <see cref="KafkaOptions"/> that attributes cannot express: the bootstrap list's shape, and client
/// properties that the daemon sets itself and must not be overridden through <c>Kafka:ClientConfig</c>.
/// </summary>
/// <remarks>Messages never show a ClientConfig value, only its key: the value may be a secret.</remarks>
internal sealed class KafkaOptionsCrossFieldValidator : IValidateOptions<KafkaOptions>
{
    /// <summary>Properties the daemon owns, with the setting to use instead.</summary>
    private static readonly Dictionary<string, string> Reserved = new(StringComparer.Ordinal)
    {
        ["bootstrap.servers"] = "Kafka:BootstrapServers",
        ["metadata.broker.list"] = "Kafka:BootstrapServers",
        ["group.id"] = "Kafka:GroupId",
        ["session.timeout.ms"] = "Kafka:SessionTimeoutMs",
        ["enable.auto.commit"] = "Delivery:Mode (offsets are committed after outputs are acknowledged)",
        ["enable.auto.offset.store"] = "Delivery:Mode (offsets are stored after outputs are acknowledged)",
        ["transactional.id"] = "Delivery:Mode = ExactlyOnce",
        ["isolation.level"] = "Delivery:Mode",
    };

    public ValidateOptionsResult Validate(string? name, KafkaOptions options)
    {
        var failures = new List<string>();
        if (!options.UseEmbeddedBroker)
        {
            foreach (string server in options.BootstrapServers.Split(',', StringSplitOptions.TrimEntries))
            {
                if (!IsHostAndPort(server))
                {
                    failures.Add(SettingMessage.Format("Kafka:BootstrapServers",
                        "has an entry that is not host:port (a list is comma-separated; leave empty for the embedded broker)"));
                    break;
                }
            }
        }

        foreach (var (key, value) in options.ClientConfig)
        {
            string setting = $"Kafka:ClientConfig:{key}";
            if (Reserved.TryGetValue(key, out string? instead))
            {
                failures.Add($"{setting}: is set by the daemon; use {instead} instead");
            }
            else if (string.IsNullOrWhiteSpace(value))
            {
                failures.Add($"{setting}: has an empty value (remove the key to use librdkafka's default)");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHostAndPort(string server)
    {
        int colon = server.LastIndexOf(':');
        if (colon <= 0 || colon == server.Length - 1)
        {
            return false;
        }

        string host = server[..colon].Trim('[', ']');
        return host.Length > 0
            && !host.Contains(' ', StringComparison.Ordinal)
            && int.TryParse(server[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port)
            && port is > 0 and <= 65535;
    }
}
