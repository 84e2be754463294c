using System.Text.Encodings.Web;
using System.Text.Json;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Engine.Output;

/// <summary>
/// A Categorical head's output as users read it: the class probabilities p = softmax(logits) of the latest step, and
/// the event probability <c>Σ_{c ∈ Target:Positive} p_c</c> that predictions carry as "probability" (so the alert rules
/// and the scores work on it as on a Binary head's). Written into the prediction as
/// <c>"probabilities": {"&lt;category&gt;": p, …}</c> in the order of Target:Categories. One buffer, reused: a step
/// allocates nothing. Not thread-safe (the processing thread's).
/// </summary>
internal sealed class ClassProbabilities
{
    private static readonly JsonEncodedText ProbabilitiesName = JsonEncodedText.Encode("probabilities");

    private readonly bool[] _positive;
    private readonly JsonEncodedText[] _names;
    private readonly float[] _probabilities;

    public ClassProbabilities(TargetOptions target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var categories = target.Categories ?? [];
        _positive = target.PositiveMask();
        _names = categories.Select(c => JsonEncodedText.Encode(c, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)).ToArray();
        _probabilities = new float[categories.Count];
    }

    /// <summary>The class probabilities of the latest <see cref="EventProbability"/> call.</summary>
    public ReadOnlySpan<float> Latest => _probabilities;

    /// <summary>Null unless <paramref name="definition"/> has a Categorical head.</summary>
    public static ClassProbabilities? Create(PipelineDefinition definition) =>
        definition.Model.Head == HeadKind.Categorical ? new ClassProbabilities(definition.Target) : null;

    /// <summary>Computes p from the head's K logits and returns the event probability (NaN if a logit is NaN).</summary>
    public double EventProbability(ReadOnlySpan<float> logits)
    {
        HeadOutput.Probabilities(logits, _probabilities);
        double sum = 0;
        for (int c = 0; c < _probabilities.Length; c++)
        {
            if (_positive[c])
            {
                sum += _probabilities[c];
            }
        }

        return Math.Min(sum, 1.0);
    }

    /// <summary>Writes <c>"probabilities": {…}</c> from the latest call.</summary>
    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject(ProbabilitiesName);
        for (int c = 0; c < _probabilities.Length; c++)
        {
            writer.WriteNumber(_names[c], _probabilities[c]);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// The class probabilities of a key's next step from its recurrent <paramref name="state"/> under
    /// <paramref name="weights"/> (the head applied to the top layer's h), by category. For the key query; allocates.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Query(TargetOptions target, ModelWeights weights, ReadOnlySpan<float> state)
    {
        var shape = weights.Shape;
        int hidden = shape.HiddenSize, classes = shape.HeadOutputSize;
        var top = state.Slice((shape.Layers - 1) * shape.LayerStateSize, hidden);
        var head = weights.Parameters.Slice(shape.HeadParameterOffset, classes * (hidden + 1));
        float[] logits = new float[classes];
        for (int c = 0; c < classes; c++)
        {
            double sum = head[classes * hidden + c];
            for (int j = 0; j < hidden; j++)
            {
                sum += (double)head[c * hidden + j] * top[j];
            }

            logits[c] = (float)sum;
        }

        float[] probabilities = new float[classes];
        HeadOutput.Probabilities(logits, probabilities);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int c = 0; c < classes; c++)
        {
            result[target.Categories![c]] = probabilities[c];
        }

        return result;
    }
}
