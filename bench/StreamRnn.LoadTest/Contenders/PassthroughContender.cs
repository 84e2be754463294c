using System.Diagnostics;
using Confluent.Kafka;
using StreamRnn.Kafka.Processing;

namespace StreamRnn.LoadTest.Contenders;

/// <summary>
/// The baseline: the daemon's consumer loop with the model taken out. Same client settings
/// (<see cref="DaemonClientSettings"/>), same structure: one thread owns consumer and producer, takes up to
/// MaxPollRecords per poll, produces each record's key and value unchanged to the output topic, pauses fetching
/// above MaxInFlightOutputs, and every CommitInterval waits until every output is acknowledged and then commits
/// the offsets (at-least-once, as the daemon does).
/// </summary>
/// <remarks>
/// The record's own byte arrays are handed to the producer (no copy): the cheapest loop Confluent.Kafka allows.
/// </remarks>
public sealed class PassthroughContender(StreamProcessorOptions options, string inputTopic, string outputTopic) : IContender
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan FlushSlice = TimeSpan.FromMilliseconds(100);

    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<TopicPartition, long> _nextOffsets = [];
    private readonly Dictionary<TopicPartition, long> _committedOffsets = [];
    private Thread? _thread;
    private long _processed;
    private long _inFlight;
    private volatile bool _ready;
    private volatile string? _failure;

    public string Name => "passthrough";

    public string LoopThreadName => "load-passthru";

    public bool Ready => _ready;

    public long Processed => Interlocked.Read(ref _processed);

    public long InFlight => Interlocked.Read(ref _inFlight);

    public string? Failure => _failure;

    public void Start()
    {
        _thread = new Thread(Run) { Name = LoopThreadName, IsBackground = true };
        _thread.Start();
    }

    public async Task StopAsync()
    {
        _stopping.Cancel();
        if (_thread is not null)
        {
            await _completion.Task.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private void Run()
    {
        IConsumer<byte[], byte[]>? consumer = null;
        IProducer<byte[], byte[]>? producer = null;
        try
        {
            producer = new ProducerBuilder<byte[], byte[]>(ProcessorClientConfig.Producer(options))
                .SetLogHandler((_, _) => { })
                .Build();
            consumer = new ConsumerBuilder<byte[], byte[]>(ProcessorClientConfig.Consumer(options))
                .SetLogHandler((_, _) => { })
                .SetPartitionsAssignedHandler((_, partitions) => _ready |= partitions.Count > 0)
                .Build();
            consumer.Subscribe(inputTopic);
            Loop(consumer, producer);
            Commit(consumer, producer);
        }
        catch (Exception e)
        {
            _failure ??= e.Message;
        }
        finally
        {
            try
            {
                consumer?.Close();
            }
            catch (KafkaException e)
            {
                _failure ??= e.Message;
            }

            consumer?.Dispose();
            producer?.Dispose();
            _completion.TrySetResult();
        }
    }

    private void Loop(IConsumer<byte[], byte[]> consumer, IProducer<byte[], byte[]> producer)
    {
        var output = new TopicPartition(outputTopic, Partition.Any);
        Action<DeliveryReport<byte[], byte[]>> onDelivered = OnDelivered;
        bool paused = false;
        long lastCommit = Stopwatch.GetTimestamp();
        while (!_stopping.IsCancellationRequested && _failure is null)
        {
            long outstanding = InFlight;
            if (!paused && outstanding > options.MaxInFlightOutputs)
            {
                consumer.Pause(consumer.Assignment);
                paused = true;
            }
            else if (paused && outstanding <= options.MaxInFlightOutputs / 2)
            {
                consumer.Resume(consumer.Assignment);
                paused = false;
            }

            if (paused)
            {
                producer.Poll(FlushSlice);
            }

            var wait = PollTimeout;
            for (int taken = 0; taken < options.MaxPollRecords && !_stopping.IsCancellationRequested; taken++)
            {
                ConsumeResult<byte[], byte[]>? result;
                try
                {
                    result = consumer.Consume(wait);
                }
                catch (ConsumeException e) when (!e.Error.IsFatal)
                {
                    break;
                }

                if (result?.Message is null)
                {
                    break;
                }

                wait = TimeSpan.Zero;
                Send(producer, output, new Message<byte[], byte[]> { Key = result.Message.Key, Value = result.Message.Value }, onDelivered);
                _nextOffsets[result.TopicPartition] = result.Offset.Value + 1;
                Interlocked.Increment(ref _processed);
            }

            if (Stopwatch.GetElapsedTime(lastCommit) >= options.CommitInterval)
            {
                lastCommit = Stopwatch.GetTimestamp();
                Commit(consumer, producer);
            }
        }
    }

    private void Send(IProducer<byte[], byte[]> producer, TopicPartition output, Message<byte[], byte[]> message,
        Action<DeliveryReport<byte[], byte[]>> onDelivered)
    {
        while (true)
        {
            try
            {
                producer.Produce(output, message, onDelivered);
                Interlocked.Increment(ref _inFlight);
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    private void OnDelivered(DeliveryReport<byte[], byte[]> report)
    {
        if (report.Error.IsError)
        {
            _failure ??= $"delivery to {report.TopicPartition} failed: {report.Error.Reason}";
        }

        Interlocked.Decrement(ref _inFlight);
    }

    /// <summary>Outputs first, then the offsets they cover, as the daemon commits at-least-once.</summary>
    private void Commit(IConsumer<byte[], byte[]> consumer, IProducer<byte[], byte[]> producer)
    {
        while (InFlight > 0 && _failure is null)
        {
            producer.Flush(FlushSlice);
        }

        var offsets = new List<TopicPartitionOffset>();
        foreach (var (partition, next) in _nextOffsets)
        {
            if (!_committedOffsets.TryGetValue(partition, out long committed) || committed != next)
            {
                offsets.Add(new TopicPartitionOffset(partition, new Offset(next)));
            }
        }

        if (offsets.Count == 0 || _failure is not null)
        {
            return;
        }

        try
        {
            consumer.Commit(offsets);
        }
        catch (KafkaException e) when (!e.Error.IsFatal)
        {
            return;
        }

        foreach (var offset in offsets)
        {
            _committedOffsets[offset.TopicPartition] = offset.Offset.Value;
        }
    }
}
