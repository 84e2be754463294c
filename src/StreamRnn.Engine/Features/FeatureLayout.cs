using System.Text;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Features;

/// <summary>
/// Where each feature and the target live: in the decoder's value arrays, in the network input vector, and in
/// a key's statistics and previous-value slabs. Derived once from the definition.
/// </summary>
internal sealed class FeatureLayout
{
    public FeatureLayout(PipelineDefinition definition)
    {
        var fields = new List<string>();
        var numericFields = new List<int>();
        var categoryFields = new List<int>();
        var categoryFeatures = new List<int>();
        int Field(string name)
        {
            int index = fields.IndexOf(name);
            if (index < 0)
            {
                fields.Add(name);
                index = fields.Count - 1;
            }

            return index;
        }

        int NumericSlot(string name)
        {
            int field = Field(name);
            int slot = numericFields.IndexOf(field);
            if (slot < 0)
            {
                numericFields.Add(field);
                slot = numericFields.Count - 1;
            }

            return slot;
        }

        int CategorySlot(string name, int feature)
        {
            int field = Field(name);
            int slot = categoryFields.IndexOf(field);
            if (slot < 0)
            {
                categoryFields.Add(field);
                categoryFeatures.Add(feature);
                slot = categoryFields.Count - 1;
            }

            return slot;
        }

        int stats = 0, previous = 0, input = 0;
        Features = new FeatureSlot[definition.Features.Count];
        for (int i = 0; i < Features.Length; i++)
        {
            var options = definition.Features[i];
            var slot = new FeatureSlot
            {
                Transform = options.Transform,
                Field = options.Field,
                Over = options.Over ?? "",
                InputOffset = input,
                Width = options.Width,
                TimeConstant = options.TimeConstant?.TotalSeconds ?? 0,
                Lags = options.HasCategories ? 0 : options.Lags,
            };
            input += slot.Width;
            if (options.HasCategories)
            {
                slot.Categories = options.Categories.Select(c => Encoding.UTF8.GetBytes(c)).ToArray();
            }

            if (options.Transform == FeatureTransform.CategoryLast)
            {
                // Field's numeric slot, By's category slot (shared like a OneHot's), raw last values per category, own statistics.
                slot.ValueIndex = NumericSlot(options.Field);
                slot.ByIndex = CategorySlot(options.By, i);
                slot.PreviousIndex = previous;
                previous += slot.Width;
                slot.StatisticIndex = stats++;
            }
            else if (options.Transform is FeatureTransform.OneHot or FeatureTransform.CategoryAge)
            {
                // Features of one field share its category slot (validation requires the same categories).
                slot.ValueIndex = CategorySlot(options.Field, i);
                if (options.Transform == FeatureTransform.CategoryAge)
                {
                    slot.OverIndex = NumericSlot(options.Time);
                    slot.PreviousIndex = previous;
                    previous += slot.Width;
                }
            }
            else
            {
                slot.ValueIndex = NumericSlot(options.Field);
                if (options.Transform == FeatureTransform.LogRatio)
                {
                    // A numeric slot like any feature field, so the decoder reads it and a missing one is MissingField.
                    slot.OverIndex = NumericSlot(options.Over!);
                }
                else if (options.Transform == FeatureTransform.Activity)
                {
                    slot.OverIndex = NumericSlot(options.Time);
                    slot.PreviousIndex = previous;
                    previous += Activity.MemoryWidth;
                }
            }

            if (options.Transform is FeatureTransform.ZScore or FeatureTransform.Difference or FeatureTransform.LogReturn
                or FeatureTransform.LogRatio)
            {
                slot.StatisticIndex = stats++;
            }

            if (options.Transform is FeatureTransform.Difference or FeatureTransform.LogReturn or FeatureTransform.Gap)
            {
                slot.PreviousIndex = previous++;
            }

            if (slot.Lags > 0)
            {
                slot.LagIndex = previous;
                previous += slot.Lags;
            }

            Features[i] = slot;
        }

        TargetField = definition.Target.Field;
        TargetTransform = definition.Target.Transform;
        if (definition.Target.IsCategory)
        {
            // A class label is read like a OneHot field, against the target's own categories (feature index −1).
            categoryFields.Add(Field(definition.Target.Field));
            categoryFeatures.Add(-1);
            TargetValueIndex = categoryFields.Count - 1;
            TargetCategories = definition.Target.Categories!.Select(c => Encoding.UTF8.GetBytes(c)).ToArray();
            TargetPositive = definition.Target.PositiveMask();
        }
        else
        {
            TargetValueIndex = NumericSlot(definition.Target.Field);
        }

        TargetStatisticIndex = stats++;
        TargetPreviousIndex = previous;
        Horizon = definition.Target.Horizon;
        Horizons = definition.Target.HorizonList();
        MaxHorizon = Horizons[^1];
        // Target:Horizons: each horizon after the first standardises its own target y_k with its own statistics.
        HorizonStatisticIndex = new int[Horizons.Length];
        HorizonStatisticIndex[0] = TargetStatisticIndex;
        for (int k = 1; k < Horizons.Length; k++)
        {
            HorizonStatisticIndex[k] = stats++;
        }

        TargetIsEventLabel = definition.Target.IsEventLabel;
        TargetOutValue = definition.Target.OutValue;
        // A change target over h steps (y[t] = x[t] − x[t−h]) keeps the last h raw values, newest first.
        TargetWithinMs = TargetIsEventLabel && definition.Target.Within is { } within ? within.TotalMilliseconds : 0;
        previous += TargetWithinMs > 0 ? TimedEventLabel.Width(Horizon)
            : TargetIsEventLabel ? EventLabelMemory + Horizon
            : TargetTransform is TargetTransform.Difference or TargetTransform.LogReturn ? MaxHorizon : 1;
        Head = definition.Model.Head;
        StatisticCount = stats;
        PreviousCount = previous;
        InputSize = input;
        FieldNames = [.. fields];
        NumericFieldOfValue = [.. numericFields];
        CategoryFieldOfValue = [.. categoryFields];
        CategoryFeatureOfValue = [.. categoryFeatures];
        Shape = definition.CreateShape();
        Alpha = RunningStatistics.Alpha(definition.Normalization.HalfLife);
        MinStandardDeviation = definition.Normalization.MinStandardDeviation;
        WindowSteps = definition.Training is { Enabled: true } training ? training.WindowSteps : 0;

        var description = new StringBuilder();
        description.Append($"{Shape.Cell}|{Shape.InputSize}|{Shape.HiddenSize}|{Shape.Layers}|{Shape.Head}|");
        foreach (var feature in Features)
        {
            description.Append($"{feature.Transform}:{feature.Width},");
        }

        description.Append($"|{TargetTransform}|{Horizon}|{StatisticCount}|{PreviousCount}|{PendingWidth}|{WindowSteps}");
        if (definition.Target.Horizons is not null)
        {
            // Only Target:Horizons adds this, so the fingerprints (and stored state) of single-horizon layouts are unchanged.
            description.Append($"|horizons:{string.Join(',', Horizons)}");
        }

        if (TargetWithinMs > 0)
        {
            // Only Target:Within adds this (its label memory differs), so the other layouts' fingerprints are unchanged.
            description.Append("|within");
        }

        if (TargetCategories.Length > 0)
        {
            // Only a Categorical layout adds this, so the fingerprints (and stored state) of the other layouts are unchanged.
            description.Append($"|classes:{TargetCategories.Length}");
        }

        Fingerprint = Fnv1a(Encoding.UTF8.GetBytes(description.ToString()));
    }

    /// <summary>Doubles per pending prediction: model mean (NaN = none), model spread, baseline.</summary>
    public const int PendingWidth = 3;

    public FeatureSlot[] Features { get; }
    public string[] FieldNames { get; }

    /// <summary>For each numeric value slot, the index of its field in <see cref="FieldNames"/>.</summary>
    public int[] NumericFieldOfValue { get; }

    /// <summary>For each category value slot (OneHot, CategoryAge, CategoryLast's By), the index of its field in <see cref="FieldNames"/>.</summary>
    public int[] CategoryFieldOfValue { get; }

    /// <summary>For each category value slot, the index of the first feature reading it (whose categories resolve it); −1 for a Category target.</summary>
    public int[] CategoryFeatureOfValue { get; }

    public string TargetField { get; }
    public TargetTransform TargetTransform { get; }
    /// <summary>The target's numeric value slot, or for a Category target its category slot.</summary>
    public int TargetValueIndex { get; }

    /// <summary>A Category target's categories as UTF-8 (the head's classes, in order); empty otherwise.</summary>
    public byte[][] TargetCategories { get; } = [];

    /// <summary>For each class of a Category target, whether it is an event (Target:Positive) class; empty otherwise.</summary>
    public bool[] TargetPositive { get; } = [];
    public int TargetStatisticIndex { get; }
    /// <summary>
    /// Where the target's memory starts in a key's previous-value slab: x_{t−1} (one double; x_{t−1} … x_{t−h} for a
    /// Difference or LogReturn target over horizon h), or for an event label
    /// <see cref="EventLabelMemory"/> + h doubles (see <see cref="FeatureEncoder"/>; with Target:Within <see cref="TimedEventLabel.Width"/>).
    /// </summary>
    public int TargetPreviousIndex { get; }

    /// <summary>True for the Exit and OutWithin transforms.</summary>
    public bool TargetIsEventLabel { get; }

    /// <summary>The target field value that means "out" (event labels only).</summary>
    public double TargetOutValue { get; }

    /// <summary>Target:Within in milliseconds for an event label (its memory is then <see cref="TimedEventLabel"/>'s); 0 without it.</summary>
    public double TargetWithinMs { get; }

    /// <summary>Doubles of an event label's memory before its ring of h in-flags: steps seen, steps since the last out.</summary>
    public const int EventLabelMemory = 2;

    /// <summary>The first (or only) horizon.</summary>
    public int Horizon { get; }

    /// <summary>Every horizon forecast, increasing (Target:Horizons, or the one Target:Horizon).</summary>
    public int[] Horizons { get; }

    /// <summary>The longest horizon: a change target's memory and the pending-forecast ring are this long.</summary>
    public int MaxHorizon { get; }

    /// <summary>K, the number of horizons (head outputs per forecast quantity).</summary>
    public int HorizonCount => Horizons.Length;

    /// <summary>Per horizon, its target statistics in a key's statistics slab (the first is <see cref="TargetStatisticIndex"/>).</summary>
    public int[] HorizonStatisticIndex { get; }

    /// <summary>Doubles of a key's pending forecasts: a ring of <see cref="MaxHorizon"/> entries of K × <see cref="PendingWidth"/>.</summary>
    public int PendingCount => PendingWidth * HorizonCount * MaxHorizon;

    public HeadKind Head { get; }
    public int StatisticCount { get; }
    public int PreviousCount { get; }
    public int InputSize { get; }
    public ModelShape Shape { get; }
    public double Alpha { get; }
    public double MinStandardDeviation { get; }

    /// <summary>k, the steps of a training window; 0 when training is off (no window is assembled).</summary>
    public int WindowSteps { get; }

    /// <summary>Floats of a key's window being assembled: start state, k inputs, k × K targets, k weights.</summary>
    public int WindowFloatCount => WindowSteps == 0 ? 0 : Shape.StateSize + WindowSteps * (InputSize + HorizonCount + 1);

    /// <summary>Doubles of a key's window being assembled: each horizon's target μ and σ at each step.</summary>
    public int WindowDoubleCount => 2 * HorizonCount * WindowSteps;

    /// <summary>
    /// Hash of everything that fixes the layout of a key's state (model shape, feature transforms and widths,
    /// target transform and horizon), so state written for another layout is recognised instead of misread.
    /// </summary>
    public ulong Fingerprint { get; }

    private static ulong Fnv1a(ReadOnlySpan<byte> data)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in data)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }
}
