using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using StreamRnn.Core;

namespace StreamRnn.Engine;

/// <summary>
/// Writes prediction records with one reused <see cref="Utf8JsonWriter"/> and buffer, so a prediction
/// allocates nothing:
/// <c>{"key","ts","pipeline","model_version","horizon","mean","stddev" | "probability" | "value",["price"],
/// "target_field","source":{"topic","partition","offset"},"latency_ms"}</c>.
/// "ts" is the source record's event time (ISO-8601 UTC, milliseconds). For a LogReturn target with horizon 1,
/// "price" = x_t · exp(mean) is the forecast level of the target field.
/// </summary>
internal sealed class PredictionWriter
{
    private static readonly JsonEncodedText KeyName = JsonEncodedText.Encode("key");
    private static readonly JsonEncodedText TsName = JsonEncodedText.Encode("ts");
    private static readonly JsonEncodedText PipelineName = JsonEncodedText.Encode("pipeline");
    private static readonly JsonEncodedText ModelVersionName = JsonEncodedText.Encode("model_version");
    private static readonly JsonEncodedText HorizonName = JsonEncodedText.Encode("horizon");
    private static readonly JsonEncodedText MeanName = JsonEncodedText.Encode("mean");
    private static readonly JsonEncodedText StddevName = JsonEncodedText.Encode("stddev");
    private static readonly JsonEncodedText ProbabilityName = JsonEncodedText.Encode("probability");
    private static readonly JsonEncodedText ValueName = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText PriceName = JsonEncodedText.Encode("price");
    private static readonly JsonEncodedText TargetFieldName = JsonEncodedText.Encode("target_field");
    private static readonly JsonEncodedText SourceName = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText TopicName = JsonEncodedText.Encode("topic");
    private static readonly JsonEncodedText PartitionName = JsonEncodedText.Encode("partition");
    private static readonly JsonEncodedText OffsetName = JsonEncodedText.Encode("offset");
    private static readonly JsonEncodedText LatencyName = JsonEncodedText.Encode("latency_ms");

    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _writer;
    private readonly JsonEncodedText _pipeline;
    private readonly JsonEncodedText _targetField;
    private readonly JsonEncodedText _topic;
    private readonly HeadKind _head;
    private readonly int _horizon;
    private readonly bool _writePrice;

    public PredictionWriter(PipelineDefinition definition)
    {
        var encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = encoder, SkipValidation = true });
        _pipeline = JsonEncodedText.Encode(definition.Name, encoder);
        _targetField = JsonEncodedText.Encode(definition.Target.Field, encoder);
        _topic = JsonEncodedText.Encode(definition.InputTopic, encoder);
        _head = definition.Model.Head;
        _horizon = definition.Target.Horizon;
        _writePrice = _head != HeadKind.Binary && definition.Target.Transform == TargetTransform.LogReturn && _horizon == 1;
    }

    /// <summary>
    /// Writes one prediction; the span is valid until the next call. <paramref name="mean"/> is the mean (Gaussian),
    /// value (Linear) or probability (Binary); <paramref name="spread"/> the standard deviation (Gaussian only).
    /// </summary>
    public ReadOnlySpan<byte> Write(ReadOnlySpan<byte> key, long eventTimeUnixMs, long modelVersion, double mean, double spread,
        double lastRaw, in InputRecord source, double latencyMs)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        var w = _writer;
        w.WriteStartObject();
        w.WriteString(KeyName, key);
        Span<byte> ts = stackalloc byte[40];
        DateTime.UnixEpoch.AddMilliseconds(eventTimeUnixMs)
            .TryFormat(ts, out int written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        w.WriteString(TsName, ts[..written]);
        w.WriteString(PipelineName, _pipeline);
        w.WriteNumber(ModelVersionName, modelVersion);
        w.WriteNumber(HorizonName, _horizon);
        switch (_head)
        {
            case HeadKind.Gaussian:
                w.WriteNumber(MeanName, mean);
                w.WriteNumber(StddevName, spread);
                break;
            case HeadKind.Binary:
                w.WriteNumber(ProbabilityName, mean);
                break;
            default:
                w.WriteNumber(ValueName, mean);
                break;
        }

        if (_writePrice)
        {
            double price = lastRaw * Math.Exp(mean);
            if (double.IsFinite(price))
            {
                w.WriteNumber(PriceName, price);
            }
        }

        w.WriteString(TargetFieldName, _targetField);
        w.WriteStartObject(SourceName);
        w.WriteString(TopicName, _topic);
        w.WriteNumber(PartitionName, source.Partition);
        w.WriteNumber(OffsetName, source.Offset);
        w.WriteEndObject();
        w.WriteNumber(LatencyName, latencyMs);
        w.WriteEndObject();
        w.Flush();
        return _buffer.WrittenSpan;
    }
}
