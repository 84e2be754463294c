using System.Text.Json;
using StreamRnn.LoadTest.Workload;

namespace StreamRnn.LoadTest.Measurement;

/// <summary>
/// Finds the input record an output came from: the passthrough's output is the input value itself (it starts
/// with <c>{"seq":n</c>); the daemon's prediction names its source partition and offset, which the
/// <see cref="SendLog"/> maps back to the record. Also reads the prediction's own "latency_ms".
/// </summary>
public static class OutputTrace
{
    /// <summary>The input's seq, or -1 if the output cannot be traced; <paramref name="latencyField"/> is NaN when absent.</summary>
    public static int Trace(ReadOnlySpan<byte> value, SendLog log, out double latencyField)
    {
        latencyField = double.NaN;
        int seq = InputProducer.SeqOf(value);
        if (seq >= 0)
        {
            return seq;
        }

        int partition = -1;
        long offset = -1;
        var reader = new Utf8JsonReader(value);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }

                if (reader.ValueTextEquals("partition"u8) && reader.CurrentDepth == 2)
                {
                    reader.Read();
                    partition = reader.GetInt32();
                }
                else if (reader.ValueTextEquals("offset"u8) && reader.CurrentDepth == 2)
                {
                    reader.Read();
                    offset = reader.GetInt64();
                }
                else if (reader.ValueTextEquals("latency_ms"u8) && reader.CurrentDepth == 1)
                {
                    reader.Read();
                    latencyField = reader.GetDouble();
                }
            }
        }
        catch (JsonException)
        {
            return -1;
        }

        return partition >= 0 && offset >= 0 ? log.SeqAt(partition, offset) : -1;
    }
}
