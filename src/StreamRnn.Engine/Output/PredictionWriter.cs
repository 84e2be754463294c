using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;

namespace StreamRnn.Engine.Output;

/// <summary>
/// Writes prediction records with one reused <see cref="Utf8JsonWriter"/> and buffer, so a prediction
/// allocates nothing:
/// <c>{"key","ts","pipeline","model_version","horizon","mean","stddev" | "probability",["probabilities"] | "value",["warming_up"],
/// ["interval_80","interval_95"],["price","price_interval_80","price_interval_95" | "level","level_interval_80",
/// "level_interval_95"],["horizons"],"target_field","source":{"topic","partition","offset"},"latency_ms"}</c>
/// ("horizons" with Target:Horizons only: see <see cref="SetHorizons"/>).
/// "ts" is the source record's event time (ISO-8601 UTC, milliseconds).
/// </summary>
/// <remarks>
/// <para>Categorical head: "probability" is the event probability (the sum over Target:Positive) and
/// "probabilities" an object of every category's probability (see <see cref="ClassProbabilities"/>).</para>
/// <para>Regression heads (Gaussian, Linear) write "warming_up": true while the key's target statistics are too young
/// for the de-normalised forecast to mean much (<see cref="OutputOptions.WarmupTargets"/>), false afterwards.</para>
/// <para>Gaussian head, not warming up: central intervals of the predictive normal N(μ, σ²) in target units,
/// <c>interval_p = [μ − z_p·σ, μ + z_p·σ]</c> with z₈₀ = 1.2815515655446004 and z₉₅ = 1.959963984540054, or with a Linear
/// path the key's conformally calibrated multipliers q_p in place of z_p (stddev stays σ). With the Linear path's guard
/// on, "unguarded" is the least-squares combination before the guard (what the network and the AR terms forecast
/// together), beside "mean"/"value", which is what is served.
/// Interval bounds, price and level are written with 9 significant digits (<see cref="ShortDecimal"/>); mean, stddev,
/// probability and value with all the digits a double round-trips.</para>
/// <para>Forecast level of the target field from its current value x_t at any horizon h (not for Binary heads; a change
/// target is the change from now to h steps ahead, so the level h steps ahead is x_t plus it):
/// LogReturn: <c>price = x_t·exp(μ)</c> (the median of the log-normal forecast) and
/// <c>price_interval_p = [x_t·exp(μ − z_p·σ), x_t·exp(μ + z_p·σ)]</c>;
/// Difference: <c>level = x_t + μ</c> and <c>level_interval_p = [x_t + μ − z_p·σ, x_t + μ + z_p·σ]</c>.
/// A level or bound that is not finite is left out.</para>
/// </remarks>
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
    private static readonly JsonEncodedText UnguardedName = JsonEncodedText.Encode("unguarded");
    private static readonly JsonEncodedText LevelName = JsonEncodedText.Encode("level");
    private static readonly JsonEncodedText WarmingUpName = JsonEncodedText.Encode("warming_up");
    private static readonly JsonEncodedText Interval80Name = JsonEncodedText.Encode("interval_80");
    private static readonly JsonEncodedText Interval95Name = JsonEncodedText.Encode("interval_95");
    private static readonly JsonEncodedText PriceInterval80Name = JsonEncodedText.Encode("price_interval_80");
    private static readonly JsonEncodedText PriceInterval95Name = JsonEncodedText.Encode("price_interval_95");
    private static readonly JsonEncodedText LevelInterval80Name = JsonEncodedText.Encode("level_interval_80");
    private static readonly JsonEncodedText LevelInterval95Name = JsonEncodedText.Encode("level_interval_95");
    private static readonly JsonEncodedText TargetFieldName = JsonEncodedText.Encode("target_field");
    private static readonly JsonEncodedText SourceName = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText TopicName = JsonEncodedText.Encode("topic");
    private static readonly JsonEncodedText PartitionName = JsonEncodedText.Encode("partition");
    private static readonly JsonEncodedText OffsetName = JsonEncodedText.Encode("offset");
    private static readonly JsonEncodedText LatencyName = JsonEncodedText.Encode("latency_ms");
    private static readonly JsonEncodedText HorizonsName = JsonEncodedText.Encode("horizons");
    private static readonly JsonEncodedText HName = JsonEncodedText.Encode("h");

    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _writer;
    private readonly JsonEncodedText _pipeline;
    private readonly JsonEncodedText _targetField;
    private readonly JsonEncodedText _topic;
    private readonly HeadKind _head;
    private readonly int _horizon;
    private readonly LevelKind _level;
    private readonly int[]? _horizons;
    private double[] _horizonForecasts = [];
    private bool[] _horizonWarmingUp = [];

    /// <summary>z of the central 80% interval of a normal distribution (its 90% quantile).</summary>
    public const double Z80 = 1.2815515655446004;

    /// <summary>z of the central 95% interval of a normal distribution (its 97.5% quantile).</summary>
    public const double Z95 = 1.959963984540054;

    private enum LevelKind
    {
        None,
        Price,
        Level,
    }

    public PredictionWriter(PipelineDefinition definition)
    {
        var encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = encoder, SkipValidation = true });
        _pipeline = JsonEncodedText.Encode(definition.Name, encoder);
        _targetField = JsonEncodedText.Encode(definition.Target.Field, encoder);
        _topic = JsonEncodedText.Encode(definition.InputTopic, encoder);
        _head = definition.Model.Head;
        _horizon = definition.Target.Horizon;
        _horizons = definition.Target.Horizons is null ? null : definition.Target.HorizonList();
        Classes = ClassProbabilities.Create(definition);
        _level = _head.IsClassifier() ? LevelKind.None
            : definition.Target.Transform switch
            {
                TargetTransform.LogReturn => LevelKind.Price,
                TargetTransform.Difference => LevelKind.Level,
                _ => LevelKind.None,
            };
    }

    /// <summary>
    /// A Categorical head's class probabilities: the runtime computes a step's event probability through it, and
    /// <see cref="Write"/> then adds that step's "probabilities". Null for the other heads.
    /// </summary>
    public ClassProbabilities? Classes { get; }

    /// <summary>
    /// Target:Horizons: the next <see cref="Write"/> adds "horizons", one object per horizon from these (per horizon mean
    /// and spread, then whether that horizon is still warming up). Kept by reference; the caller refills them per call.
    /// </summary>
    public void SetHorizons(double[] forecasts, bool[] warmingUp)
    {
        _horizonForecasts = forecasts;
        _horizonWarmingUp = warmingUp;
    }

    /// <summary>
    /// Writes one prediction; the span is valid until the next call. <paramref name="mean"/> is the mean (Gaussian),
    /// value (Linear) or probability (Binary); <paramref name="spread"/> the standard deviation (Gaussian only);
    /// <paramref name="lastRaw"/> the target field's current value x_t; <paramref name="warmingUp"/> whether the key's
    /// target statistics are still warming up (ignored for Binary heads).
    /// </summary>
    public ReadOnlySpan<byte> Write(ReadOnlySpan<byte> key, long eventTimeUnixMs, long modelVersion, double mean, double spread,
        double lastRaw, bool warmingUp, in InputRecord source, long latencyMs) =>
        Write(key, eventTimeUnixMs, modelVersion, mean, spread, lastRaw, warmingUp, source, latencyMs, Z80, Z95, double.NaN);

    /// <summary>
    /// As above, with the intervals μ ± q80·σ and μ ± q95·σ (the key's calibrated multipliers) and, when finite,
    /// <paramref name="unguarded"/> (the Linear path's combination before its guard) as "unguarded".
    /// </summary>
    public ReadOnlySpan<byte> Write(ReadOnlySpan<byte> key, long eventTimeUnixMs, long modelVersion, double mean, double spread,
        double lastRaw, bool warmingUp, in InputRecord source, long latencyMs, double q80, double q95, double unguarded)
    {
        double z80 = q80, z95 = q95;
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        var w = _writer;
        w.WriteStartObject();
        w.WriteString(KeyName, key);
        Span<byte> ts = stackalloc byte[UtcTimestamp.Length];
        w.WriteString(TsName, ts[..UtcTimestamp.Format(eventTimeUnixMs, ts)]);
        w.WriteString(PipelineName, _pipeline);
        w.WriteNumber(ModelVersionName, modelVersion);
        w.WriteNumber(HorizonName, _horizon);
        bool intervals = false;
        switch (_head)
        {
            case HeadKind.Gaussian:
                w.WriteNumber(MeanName, mean);
                w.WriteNumber(StddevName, spread);
                w.WriteBoolean(WarmingUpName, warmingUp);
                intervals = !warmingUp;
                break;
            case HeadKind.Binary:
                w.WriteNumber(ProbabilityName, mean);
                break;
            case HeadKind.Categorical:
                w.WriteNumber(ProbabilityName, mean);
                Classes!.Write(w);
                break;
            default:
                w.WriteNumber(ValueName, mean);
                w.WriteBoolean(WarmingUpName, warmingUp);
                break;
        }

        if (double.IsFinite(unguarded) && _head != HeadKind.Binary)
        {
            WriteNumberIfFinite(w, UnguardedName, unguarded);
        }

        if (intervals)
        {
            WriteInterval(w, Interval80Name, mean - z80 * spread, mean + z80 * spread);
            WriteInterval(w, Interval95Name, mean - z95 * spread, mean + z95 * spread);
        }

        switch (_level)
        {
            case LevelKind.Price:
                WriteNumberIfFinite(w, PriceName, lastRaw * Math.Exp(mean));
                if (intervals)
                {
                    WriteInterval(w, PriceInterval80Name, lastRaw * Math.Exp(mean - z80 * spread), lastRaw * Math.Exp(mean + z80 * spread));
                    WriteInterval(w, PriceInterval95Name, lastRaw * Math.Exp(mean - z95 * spread), lastRaw * Math.Exp(mean + z95 * spread));
                }

                break;
            case LevelKind.Level:
                WriteNumberIfFinite(w, LevelName, lastRaw + mean);
                if (intervals)
                {
                    WriteInterval(w, LevelInterval80Name, lastRaw + (mean - z80 * spread), lastRaw + (mean + z80 * spread));
                    WriteInterval(w, LevelInterval95Name, lastRaw + (mean - z95 * spread), lastRaw + (mean + z95 * spread));
                }

                break;
        }

        if (_horizons is not null)
        {
            WriteHorizons(w, lastRaw);
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

    /// <summary>
    /// <c>"horizons":[{"h","mean","stddev","warming_up",["interval_80","interval_95"],["level",…|"price",…]} | {"h","value",…}]</c>:
    /// each horizon's forecast of the target transform h steps ahead and its level; a horizon with no target statistics yet
    /// (its first h steps) has only "h".
    /// </summary>
    private void WriteHorizons(Utf8JsonWriter w, double lastRaw)
    {
        w.WriteStartArray(HorizonsName);
        for (int k = 0; k < _horizons!.Length; k++)
        {
            w.WriteStartObject();
            w.WriteNumber(HName, _horizons[k]);
            double mean = _horizonForecasts[2 * k], spread = _horizonForecasts[2 * k + 1];
            if (double.IsFinite(mean))
            {
                bool warmingUp = _horizonWarmingUp[k];
                bool intervals = _head == HeadKind.Gaussian && !warmingUp && double.IsFinite(spread);
                if (_head == HeadKind.Gaussian)
                {
                    w.WriteNumber(MeanName, mean);
                    w.WriteNumber(StddevName, spread);
                }
                else
                {
                    w.WriteNumber(ValueName, mean);
                }

                w.WriteBoolean(WarmingUpName, warmingUp);
                if (intervals)
                {
                    WriteInterval(w, Interval80Name, mean - Z80 * spread, mean + Z80 * spread);
                    WriteInterval(w, Interval95Name, mean - Z95 * spread, mean + Z95 * spread);
                }

                if (_level == LevelKind.Level)
                {
                    WriteNumberIfFinite(w, LevelName, lastRaw + mean);
                    if (intervals)
                    {
                        WriteInterval(w, LevelInterval80Name, lastRaw + (mean - Z80 * spread), lastRaw + (mean + Z80 * spread));
                        WriteInterval(w, LevelInterval95Name, lastRaw + (mean - Z95 * spread), lastRaw + (mean + Z95 * spread));
                    }
                }
                else if (_level == LevelKind.Price)
                {
                    WriteNumberIfFinite(w, PriceName, lastRaw * Math.Exp(mean));
                    if (intervals)
                    {
                        WriteInterval(w, PriceInterval80Name, lastRaw * Math.Exp(mean - Z80 * spread), lastRaw * Math.Exp(mean + Z80 * spread));
                        WriteInterval(w, PriceInterval95Name, lastRaw * Math.Exp(mean - Z95 * spread), lastRaw * Math.Exp(mean + Z95 * spread));
                    }
                }
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    // Derived numbers (bounds, price, level) carry 9 significant digits (ShortDecimal): the model computes in float32,
    // and shortest round-trip formatting of every derived double cost a sixth of the engine's time per event.
    private static void WriteNumberIfFinite(Utf8JsonWriter w, JsonEncodedText name, double value)
    {
        if (double.IsFinite(value))
        {
            Span<byte> text = stackalloc byte[ShortDecimal.MaxBytes];
            w.WritePropertyName(name);
            w.WriteRawValue(text[..ShortDecimal.Format(value, text)], skipInputValidation: true);
        }
    }

    private static void WriteInterval(Utf8JsonWriter w, JsonEncodedText name, double lower, double upper)
    {
        if (double.IsFinite(lower) && double.IsFinite(upper))
        {
            Span<byte> text = stackalloc byte[ShortDecimal.MaxBytes];
            w.WriteStartArray(name);
            w.WriteRawValue(text[..ShortDecimal.Format(lower, text)], skipInputValidation: true);
            w.WriteRawValue(text[..ShortDecimal.Format(upper, text)], skipInputValidation: true);
            w.WriteEndArray();
        }
    }
}
