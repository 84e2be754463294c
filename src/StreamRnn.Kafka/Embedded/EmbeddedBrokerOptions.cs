namespace StreamRnn.Kafka.Embedded;

/// <summary>What <see cref="EmbeddedBrokerHost"/> starts.</summary>
public sealed record EmbeddedBrokerOptions
{
    /// <summary>Number of brokers, at least 1.</summary>
    public int Brokers { get; init; } = 1;

    /// <summary>Topics to create at start, name → partition count.</summary>
    public IReadOnlyDictionary<string, int> Topics { get; init; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, int>.Empty;

    /// <summary>A file to write the bootstrap servers to (one line), for other processes to read; none if null.</summary>
    public string? BootstrapFile { get; init; }
}
