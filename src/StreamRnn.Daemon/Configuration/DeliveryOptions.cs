using StreamRnn.Kafka.Processing;

namespace StreamRnn.Daemon.Configuration;

/// <summary>The <c>Delivery</c> section: how outputs and input offsets are tied together.</summary>
public sealed class DeliveryOptions : ISettingsSection
{
    public const string SectionName = "Delivery";

    /// <summary>AtLeastOnce (default) or ExactlyOnce (Kafka transactions; needs a real broker to mean anything).</summary>
    [DefinedEnum]
    public DeliveryMode Mode { get; set; } = DeliveryMode.AtLeastOnce;

    string ISettingsSection.SectionPath => SectionName;
}
