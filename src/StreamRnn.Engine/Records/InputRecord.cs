namespace StreamRnn.Engine.Records;

/// <summary>
/// One input record as the Kafka loop hands it to a pipeline: where it came from and its raw bytes.
/// The memory must stay valid for the duration of <see cref="PipelineRuntime.Process"/>; the runtime copies
/// whatever it keeps.
/// </summary>
public readonly record struct InputRecord(
    int Partition,
    long Offset,
    long TimestampUnixMs,
    ReadOnlyMemory<byte> Key,
    ReadOnlyMemory<byte> Value);
