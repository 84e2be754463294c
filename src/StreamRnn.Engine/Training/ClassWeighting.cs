using StreamRnn.Core;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace StreamRnn.Engine.Training;

/// <summary>
/// Class weighting of a Binary head's windows (<see cref="TrainingOptions.PositiveWeight"/>): as each window reaches
/// the trainer, the loss weight of every step with target 1 is multiplied by w⁺, so rare positives are not drowned by
/// the negatives in training and in the hold-back loss that decides promotion.
/// </summary>
/// <remarks>
/// A number: w⁺ fixed. <c>auto</c>: w⁺ = n⁻ / n⁺ over every weighted step of the windows seen so far, this one
/// included (clamped to [1, <see cref="MaxAutoWeight"/>], 1 until a positive was seen), so the weighted log-loss is
/// the balanced log-loss (each class contributes half) and a model that always says "no" cannot win promotion
/// against one that separates the classes. Allocation-free; used by the trainer thread only.
/// </remarks>
public sealed class ClassWeighting
{
    public const double MaxAutoWeight = 1000;

    private readonly double _fixed;
    private double _positives;
    private double _negatives;

    // Categorical heads: the weight of each class (fixed), or the running weighted count of each class (auto).
    private readonly double[]? _classWeights;
    private readonly double[]? _classCounts;

    private ClassWeighting(double fixedWeight) => _fixed = fixedWeight;

    private ClassWeighting(double[]? fixedWeights, int classes)
    {
        _fixed = double.NaN;
        _classWeights = fixedWeights ?? new double[classes];
        _classCounts = fixedWeights is null ? new double[classes] : null;
    }

    /// <summary>The current w⁺.</summary>
    public double PositiveWeight => !double.IsNaN(_fixed) ? _fixed
        : _positives > 0 ? Math.Clamp(_negatives / _positives, 1, MaxAutoWeight) : 1;

    /// <summary>
    /// The weighting for <paramref name="shape"/>'s head: as <see cref="Create(TrainingOptions, HeadKind)"/> for a
    /// Binary head; for a Categorical head <see cref="TrainingOptions.ClassWeights"/> (fixed, one per class) or, with
    /// <c>PositiveWeight = auto</c>, w_c = n_max / n_c over the weighted steps seen so far (this window included),
    /// clamped to [1, <see cref="MaxAutoWeight"/>], so every class weighs as much as the most frequent one (balanced
    /// cross-entropy). Null when no weighting applies.
    /// </summary>
    public static ClassWeighting? Create(TrainingOptions options, ModelShape shape)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Head != HeadKind.Categorical)
        {
            return Create(options, shape.Head);
        }

        if (options.ClassWeights is { } weights && weights.Count == shape.Classes)
        {
            return new ClassWeighting([.. weights], shape.Classes);
        }

        return TryParse(options.PositiveWeight, out double weight) && double.IsNaN(weight) ? new ClassWeighting(null, shape.Classes) : null;
    }

    /// <summary>Categorical heads: the current weight of class <paramref name="c"/>.</summary>
    public double ClassWeight(int c)
    {
        if (_classCounts is null)
        {
            return _classWeights![c];
        }

        double most = 0;
        foreach (double n in _classCounts)
        {
            most = Math.Max(most, n);
        }

        return _classCounts[c] > 0 ? Math.Clamp(most / _classCounts[c], 1, MaxAutoWeight) : 1;
    }

    /// <summary>Null when no weighting applies (w⁺ = 1, or a head that is not Binary).</summary>
    public static ClassWeighting? Create(TrainingOptions options, HeadKind head)
    {
        if (head != HeadKind.Binary || !TryParse(options.PositiveWeight, out double weight) || weight == 1)
        {
            return null;
        }

        return new ClassWeighting(weight);
    }

    /// <summary>"auto" → NaN; a finite number ≥ 1e-3 and ≤ 1e6 → itself; anything else false.</summary>
    public static bool TryParse(string? text, out double weight)
    {
        weight = 1;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (string.Equals(text.Trim(), "auto", StringComparison.OrdinalIgnoreCase))
        {
            weight = double.NaN;
            return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out weight)
            && double.IsFinite(weight) && weight is >= 1e-3 and <= 1e6;
    }

    /// <summary>Weights one window in place (called once per window, before it is trained on or held back).</summary>
    public void Apply(TrainingWindow window)
    {
        var targets = window.Targets;
        var weights = window.TargetWeights;
        if (_classWeights is not null)
        {
            ApplyClasses(targets, weights);
            return;
        }

        if (double.IsNaN(_fixed))
        {
            for (int t = 0; t < weights.Length; t++)
            {
                if (weights[t] > 0)
                {
                    if (targets[t] >= 0.5f)
                    {
                        _positives += weights[t];
                    }
                    else
                    {
                        _negatives += weights[t];
                    }
                }
            }
        }

        float w = (float)PositiveWeight;
        for (int t = 0; t < weights.Length; t++)
        {
            if (weights[t] > 0 && targets[t] >= 0.5f)
            {
                weights[t] *= w;
            }
        }
    }

    private void ApplyClasses(Span<float> targets, Span<float> weights)
    {
        double[]? counts = _classCounts;
        if (counts is not null)
        {
            for (int t = 0; t < weights.Length; t++)
            {
                if (weights[t] > 0 && (uint)(int)targets[t] < (uint)counts.Length)
                {
                    counts[(int)targets[t]] += weights[t];
                }
            }
        }

        for (int t = 0; t < weights.Length; t++)
        {
            if (weights[t] > 0 && (uint)(int)targets[t] < (uint)_classWeights!.Length)
            {
                weights[t] *= (float)ClassWeight((int)targets[t]);
            }
        }
    }
}

/// <summary>Reads a JSON number or string into a string setting (e.g. <c>"PositiveWeight": 5</c> or <c>"auto"</c>).</summary>
public sealed class NumberOrStringJsonConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.GetDouble().ToString("R", CultureInfo.InvariantCulture),
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw new JsonException("expected a number or a string"),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
