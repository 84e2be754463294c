using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace StreamRnn.Engine.Alerts;

/// <summary>
/// Writes alert records with one reused writer:
/// <c>{"key","ts","pipeline","severity","probability","reason","model_version","state":"raised"|"cleared"}</c>,
/// "ts" being the event time (ISO-8601 UTC, milliseconds) as in prediction records.
/// </summary>
internal sealed class AlertRecordWriter
{
    private static readonly JsonEncodedText KeyName = JsonEncodedText.Encode("key");
    private static readonly JsonEncodedText TsName = JsonEncodedText.Encode("ts");
    private static readonly JsonEncodedText PipelineName = JsonEncodedText.Encode("pipeline");
    private static readonly JsonEncodedText SeverityName = JsonEncodedText.Encode("severity");
    private static readonly JsonEncodedText ProbabilityName = JsonEncodedText.Encode("probability");
    private static readonly JsonEncodedText ReasonName = JsonEncodedText.Encode("reason");
    private static readonly JsonEncodedText ModelVersionName = JsonEncodedText.Encode("model_version");
    private static readonly JsonEncodedText StateName = JsonEncodedText.Encode("state");
    private static readonly JsonEncodedText RaisedValue = JsonEncodedText.Encode("raised");
    private static readonly JsonEncodedText ClearedValue = JsonEncodedText.Encode("cleared");

    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly ArrayBufferWriter<byte> _key = new(64);
    private readonly Utf8JsonWriter _writer;
    private readonly JsonEncodedText _pipeline;

    public AlertRecordWriter(string pipeline)
    {
        var encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = encoder });
        _pipeline = JsonEncodedText.Encode(pipeline, encoder);
    }

    /// <summary>The UTF-8 key of the last written record; valid until the next call.</summary>
    public ReadOnlySpan<byte> Key => _key.WrittenSpan;

    /// <summary>Writes one record; the span is valid until the next call.</summary>
    public ReadOnlySpan<byte> Write(AlertEvent alert)
    {
        _key.ResetWrittenCount();
        var keySpan = _key.GetSpan(Encoding.UTF8.GetMaxByteCount(alert.Key.Length));
        _key.Advance(Encoding.UTF8.GetBytes(alert.Key, keySpan));

        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        var w = _writer;
        w.WriteStartObject();
        w.WriteString(KeyName, alert.Key);
        Span<byte> ts = stackalloc byte[40];
        DateTime.UnixEpoch.AddMilliseconds(alert.EventTimeUnixMs)
            .TryFormat(ts, out int written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        w.WriteString(TsName, ts[..written]);
        w.WriteString(PipelineName, _pipeline);

        w.WriteString(SeverityName, alert.Severity);
        if (double.IsFinite(alert.Probability))
        {
            w.WriteNumber(ProbabilityName, alert.Probability);
        }
        else
        {
            w.WriteNull(ProbabilityName);
        }

        w.WriteString(ReasonName, alert.Reason);
        w.WriteNumber(ModelVersionName, alert.ModelVersion);
        w.WriteString(StateName, alert.Transition == AlertTransition.Raised ? RaisedValue : ClearedValue);
        w.WriteEndObject();
        w.Flush();
        return _buffer.WrittenSpan;
    }
}
