using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRnn.Engine.Training;
using StreamRnn.Kafka.Processing;

namespace StreamRnn.Kafka.Models;

/// <summary>
/// Follows a pipeline's model topic from its beginning on a thread of its own and hands every other instance's
/// version that passes the <see cref="ModelRecordScreen"/> (signature, shape, version, weights) to a callback (the
/// trainer's Receive, which merges or follows as configured). No consumer group: every instance reads every version.
/// </summary>
public sealed class ModelTopicListener : IDisposable
{
    private readonly IConsumer<byte[], byte[]> _consumer;
    private readonly string _topic;
    private readonly string _instanceId;
    private readonly ModelRecordScreen _screen;
    private readonly Action<ModelContribution> _received;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Thread _thread;

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
        _consumer = new ConsumerBuilder<byte[], byte[]>(config)
            .SetLogHandler((_, message) => ProcessorLog.Client(logger, message))
            .Build();
        _topic = topic;
        _instanceId = instanceId;
        _screen = screen;
        _received = received;
        _logger = logger;
        _thread = new Thread(Run) { Name = $"streamrnn-models-{topic}", IsBackground = true };
    }

    /// <summary>Versions received from other instances so far.</summary>
    public long Received { get; private set; }

    public void Start(int partitions)
    {
        _consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(_topic, p, Offset.Beginning)));
        _thread.Start();
    }

    private void Run()
    {
        while (!_stopping.IsCancellationRequested)
        {
            ConsumeResult<byte[], byte[]>? result;
            try
            {
                result = _consumer.Consume(TimeSpan.FromMilliseconds(200));
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                ProcessorLog.ConsumeError(_logger, e.Error.Reason);
                continue;
            }

            if (result?.Message?.Value is null || result.Message.Key is null)
            {
                continue;
            }

            if (System.Text.Encoding.UTF8.GetString(result.Message.Key) == _instanceId)
            {
                continue;
            }

            byte[]? signature = result.Message.Headers is { } headers
                && headers.TryGetLastBytes(ModelRecordSigner.HeaderName, out byte[]? bytes) ? bytes : null;
            var contribution = _screen.Screen(result.Message.Key, result.Message.Value, signature, out string? reason, out string? detail);
            if (contribution is null)
            {
                ModelLog.Rejected(_logger, _topic, result.Partition.Value, result.Offset.Value,
                    ModelRecordScreen.SourceOf(result.Message.Key), reason, detail);
                continue;
            }

            Received++;
            _received(contribution);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        if (_thread.IsAlive)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }

        _consumer.Close();
        _consumer.Dispose();
    }
}
