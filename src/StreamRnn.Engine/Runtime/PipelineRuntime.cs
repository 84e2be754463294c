using StreamRnn.Core;

namespace StreamRnn.Engine;

/// <summary>
/// One pipeline's processing: decode and validate records, step each key's recurrent state in micro-batches,
/// emit predictions, and keep the per-key state durable through changelog records and snapshots.
/// Owned by ONE thread (the consumer loop's); nothing here is thread-safe and the hot path takes no locks.
/// </summary>
public sealed class PipelineRuntime
{
    public PipelineRuntime(PipelineDefinition definition, ModelWeights weights, TimeProvider time, StreamRnnMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(time);
        definition.EnsureValid();
        Definition = definition;
        Weights = weights;
    }

    public PipelineDefinition Definition { get; }

    /// <summary>The weights used by the next batch; replaced atomically between batches by the trainer.</summary>
    public ModelWeights Weights { get; set; }

    public int KeyCount => throw new NotImplementedException();
    public long StateBytes => throw new NotImplementedException();
    public long BytesPerKey => throw new NotImplementedException();

    public void Process(ReadOnlySpan<InputRecord> records, IRecordSink sink) => throw new NotImplementedException();
    public int FlushChangelog(IRecordSink sink) => throw new NotImplementedException();
    public void Restore(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => throw new NotImplementedException();
    public void DropPartition(int partition) => throw new NotImplementedException();
    public int EvictIdle(IRecordSink sink) => throw new NotImplementedException();
    public void WriteSnapshot(int partition, Stream destination) => throw new NotImplementedException();
    public void ReadSnapshot(Stream source) => throw new NotImplementedException();
    public KeySummary? QueryKey(string key) => throw new NotImplementedException();
}
