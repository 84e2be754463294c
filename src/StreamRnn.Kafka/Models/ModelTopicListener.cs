using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRnn.Engine;
using StreamRnn.Kafka.Processing;

namespace StreamRnn.Kafka.Models;

/// <summary>
/// Follows a pipeline's model topic from its beginning on a thread of its own and hands every other instance's
/// version that passes the <see cref="ModelRecordScreen"/> (signature, shape, version, weights) to a callback (the
/// trainer's Receive, which merges or follows as configured). No consumer group: every instance reads every version.
/// </summary>
public sealed class ModelTopicListener : IDisposable
{
    private readonly IConsumer<byte[], byte[]> consumer;
    private readonly string topic;
    private readonly string instanceId;
    private readonly ModelRecordScreen screen;
    private readonly Action<ModelContribution> received;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly Thread thread;

    public ModelTopicListener(ConsumerConfig baseConfig, string topic, string instanceId, ModelRecordScreen screen,
        Action<ModelContribution> received, ILogger logger)
    {
        var config = new ConsumerConfig(new Dictionary<string, string>(baseConfig))
        {
            GroupId = $"{baseConfig.GroupId}.models.{instanceId}",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        consumer = new ConsumerBuilder<byte[], byte[]>(config)
            .SetLogHandler((_, message) => ProcessorLog.Client(logger, message))
            .Build();
        this.topic = topic;
        this.instanceId = instanceId;
        this.screen = screen;
        this.received = received;
        this.logger = logger;
        thread = new Thread(Run) { Name = $"streamrnn-models-{topic}", IsBackground = true };
    }

    /// <summary>Versions received from other instances so far.</summary>
    public long Received { get; private set; }

    public void Start(int partitions)
    {
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        thread.Start();
    }

    private void Run()
    {
        while (!stopping.IsCancellationRequested)
        {
            ConsumeResult<byte[], byte[]>? result;
            try
            {
                result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                ProcessorLog.ConsumeError(logger, e.Error.Reason);
                continue;
            }

            if (result?.Message?.Value is null || result.Message.Key is null)
            {
                continue;
            }

            if (System.Text.Encoding.UTF8.GetString(result.Message.Key) == instanceId)
            {
                continue;
            }

            byte[]? signature = result.Message.Headers is { } headers
                && headers.TryGetLastBytes(ModelRecordSigner.HeaderName, out var bytes) ? bytes : null;
            var contribution = screen.Screen(result.Message.Key, result.Message.Value, signature, out var reason, out var detail);
            if (contribution is null)
            {
                ModelLog.Rejected(logger, topic, result.Partition.Value, result.Offset.Value,
                    ModelRecordScreen.SourceOf(result.Message.Key), reason, detail);
                continue;
            }

            Received++;
            received(contribution);
        }
    }

    public void Dispose()
    {
        stopping.Cancel();
        if (thread.IsAlive)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }

        consumer.Close();
        consumer.Dispose();
    }
}
