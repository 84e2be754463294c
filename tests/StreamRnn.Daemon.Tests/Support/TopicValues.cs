using Confluent.Kafka;

namespace StreamRnn.Daemon.Tests.Support;

/// <summary>Reads a topic's values from the beginning with a fresh consumer group.</summary>
internal static class TopicValues
{
    /// <summary>
    /// The first <paramref name="count"/> values of <paramref name="topic"/>, or fewer if the timeout passes first
    /// (the caller asserts on how many came).
    /// </summary>
    public static List<string> Read(string bootstrapServers, string topic, int count, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        var values = new List<string>();
        var deadline = DateTime.UtcNow + timeout;
        while (values.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(500))?.Message is { } message)
            {
                values.Add(message.Value);
            }
        }

        consumer.Close();
        return values;
    }
}
