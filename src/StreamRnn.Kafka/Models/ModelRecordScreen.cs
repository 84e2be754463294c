using System.Text;
using Prometheus;
using StreamRnn.Core;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Training;

namespace StreamRnn.Kafka.Models;

/// <summary>
/// Decides whether a record read from a pipeline's model topic may reach the trainer (Follow adopts it, Merge averages
/// it in). A record is rejected, counted in <c>streamrnn_model_records_rejected_total{pipeline,reason}</c> and never
/// served when it is: unsigned (a signing key is configured and the record has no signature), bad_signature, malformed
/// (not a model record of this pipeline's shape, or a negative/absurd window count), version (≤ 0, above
/// <see cref="ModelRegistry.MaxVersion"/>, or not above the last version accepted from the same instance), non_finite
/// (a NaN or infinite weight), magnitude (a weight above <see cref="MaxAbsWeight"/> in absolute value), or
/// too_many_sources (more than <see cref="MaxSources"/> distinct publishing instances). One thread calls it (the
/// listener's).
/// </summary>
public sealed class ModelRecordScreen
{
    /// <summary>Label values of streamrnn_model_records_rejected_total's reason.</summary>
    public static readonly string[] Reasons = ["unsigned", "bad_signature", "malformed", "version", "non_finite", "magnitude", "too_many_sources"];

    /// <summary>Largest accepted |weight|: trained weights stay many orders of magnitude below it.</summary>
    public const float MaxAbsWeight = 1e6f;

    /// <summary>Most distinct publishing instances remembered (and accepted) per pipeline.</summary>
    public const int MaxSources = 256;

    /// <summary>Largest accepted window count of one record (its weight in a merge).</summary>
    public const long MaxWindowsTrained = 1L << 40;

    private readonly ModelShape _shape;
    private readonly ModelRecordSigner? _signer;
    private readonly Counter.Child[]? _counters;
    private readonly long[] _rejected = new long[Reasons.Length];
    private readonly Dictionary<string, long> _newestVersion = new(StringComparer.Ordinal);

    /// <param name="shape">The pipeline's network shape.</param>
    /// <param name="signer">Verifies signatures; null accepts unsigned records (and ignores signatures).</param>
    /// <param name="metrics">Optional: counts rejections for <paramref name="pipeline"/>.</param>
    public ModelRecordScreen(ModelShape shape, ModelRecordSigner? signer, StreamRnnMetrics? metrics = null, string pipeline = "")
    {
        _shape = shape;
        _signer = signer;
        if (metrics is not null)
        {
            _counters = [.. Reasons.Select(reason => metrics.ModelRecordsRejected.WithLabels(pipeline, reason))];
        }
    }

    /// <summary>Records rejected so far for <paramref name="reason"/> (one of <see cref="Reasons"/>).</summary>
    public long Rejected(string reason) => Interlocked.Read(ref _rejected[Array.IndexOf(Reasons, reason)]);

    /// <summary>
    /// The record's contribution, or null with the rejection <paramref name="reason"/> and a <paramref name="detail"/>
    /// for the log (neither quotes the record).
    /// </summary>
    public ModelContribution? Screen(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, byte[]? signature,
        out string reason, out string detail)
    {
        if (_signer is not null)
        {
            if (signature is null)
            {
                return Reject(0, "the record has no signature and ModelTopic:SigningKey is set", out reason, out detail);
            }

            if (!_signer.Verify(key, value, signature))
            {
                return Reject(1, "the signature does not match (forged, altered, or signed with another key)", out reason, out detail);
            }
        }

        ModelContribution contribution;
        try
        {
            contribution = ModelRecord.Decode(key, value, _shape);
        }
        catch (ModelFormatException e) when (e.Message.StartsWith("Non-finite", StringComparison.Ordinal))
        {
            // The reader refuses NaN and ∞ itself (after the checksum passed): a well-formed record of bad weights.
            return Reject(4, e.Message, out reason, out detail);
        }
        catch (Exception e) when (e is ModelFormatException or EndOfStreamException or InvalidDataException or ArgumentException)
        {
            return Reject(2, e.Message, out reason, out detail);
        }

        if (contribution.WindowsTrained is < 0 or > MaxWindowsTrained)
        {
            return Reject(2, $"window count outside 0..{MaxWindowsTrained}", out reason, out detail);
        }

        long version = contribution.Weights.Version;
        if (version <= 0 || version > ModelRegistry.MaxVersion)
        {
            return Reject(3, $"version {version} is outside 1..{ModelRegistry.MaxVersion}", out reason, out detail);
        }

        bool known = _newestVersion.TryGetValue(contribution.InstanceId, out long newest);
        if (known && version <= newest)
        {
            return Reject(3, $"version {version} is not above {newest}, the last accepted from the same instance", out reason, out detail);
        }

        var parameters = contribution.Weights.Parameters;
        for (int i = 0; i < parameters.Length; i++)
        {
            if (!float.IsFinite(parameters[i]))
            {
                return Reject(4, $"weight {i} is not finite", out reason, out detail);
            }

            if (Math.Abs(parameters[i]) > MaxAbsWeight)
            {
                return Reject(5, $"weight {i} exceeds {MaxAbsWeight:G} in absolute value", out reason, out detail);
            }
        }

        if (!known && _newestVersion.Count >= MaxSources)
        {
            return Reject(6, $"already {MaxSources} publishing instances", out reason, out detail);
        }

        _newestVersion[contribution.InstanceId] = version;
        reason = "";
        detail = "";
        return contribution;
    }

    /// <summary>The instance a record claims to come from (its key), for the log.</summary>
    public static string SourceOf(ReadOnlySpan<byte> key) => Encoding.UTF8.GetString(key);

    private ModelContribution? Reject(int index, string why, out string reason, out string detail)
    {
        Interlocked.Increment(ref _rejected[index]);
        _counters?[index].Inc();
        reason = Reasons[index];
        detail = why;
        return null;
    }
}
