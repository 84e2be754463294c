using Confluent.Kafka;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// One pipeline as the consumer loop sees it: its runtime, its Kafka sink, and the records fetched for it that
/// wait for the next processing pass (in fetch order, hence offset order per partition).
/// </summary>
internal sealed class PipelineBinding(PipelineRuntime runtime, int capacity)
{
    private readonly InputRecord[] _pending = new InputRecord[capacity];

    public PipelineRuntime Runtime { get; } = runtime;

    public KafkaRecordSink? Sink { get; set; }

    public PipelineMetrics? Metrics { get; set; }

    /// <summary>Where the champion weights come from (the trainer's registry); read between batches.</summary>
    public Func<ModelWeights>? WeightSource { get; set; }

    public int Count { get; private set; }

    public ReadOnlySpan<InputRecord> Pending => _pending.AsSpan(0, Count);

    public void Add(in InputRecord record) => _pending[Count++] = record;

    /// <summary>Forgets the fetched records and releases their buffers.</summary>
    public void Clear()
    {
        Array.Clear(_pending, 0, Count);
        Count = 0;
    }

    /// <summary>Drops fetched records of partitions this instance no longer owns (they are the new owner's now).</summary>
    public void RemovePartitions(List<TopicPartition> partitions)
    {
        int kept = 0;
        for (int i = 0; i < Count; i++)
        {
            var record = _pending[i];
            bool gone = false;
            foreach (var partition in partitions)
            {
                gone |= partition.Topic == Runtime.Definition.InputTopic && partition.Partition.Value == record.Partition;
            }

            if (!gone)
            {
                _pending[kept++] = record;
            }
        }

        Array.Clear(_pending, kept, Count - kept);
        Count = kept;
    }
}
