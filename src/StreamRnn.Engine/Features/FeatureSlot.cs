using StreamRnn.Engine.Configuration;

namespace StreamRnn.Engine.Features;

/// <summary>One configured feature's positions; see <see cref="FeatureLayout"/>.</summary>
internal sealed class FeatureSlot
{
    public FeatureTransform Transform { get; init; }
    public string Field { get; init; } = "";
    public int InputOffset { get; init; }
    public int Width { get; init; }

    /// <summary>Index into the decoder's numeric values, or for OneHot and CategoryAge into its category indices.</summary>
    public int ValueIndex { get; set; }

    /// <summary>
    /// LogRatio: the Over field's name and its index into the decoder's numeric values; CategoryAge and Activity:
    /// OverIndex is the Time field's numeric value index.
    /// </summary>
    public string Over { get; init; } = "";
    public int OverIndex { get; set; } = -1;

    /// <summary>Activity: τ in seconds.</summary>
    public double TimeConstant { get; init; }

    /// <summary>CategoryLast: its By field's index into the decoder's category indices (ValueIndex is Field's numeric slot).</summary>
    public int ByIndex { get; set; } = -1;

    public int StatisticIndex { get; set; } = -1;
    /// <summary>The feature's first double in the key's previous-value slab (CategoryAge, CategoryLast: one per category; Activity: 3).</summary>
    public int PreviousIndex { get; set; } = -1;
    public byte[][] Categories { get; set; } = [];

    /// <summary>Lags p of a numeric feature (its inputs 1..p are its previous p values); 0 for none.</summary>
    public int Lags { get; init; }

    /// <summary>The feature's first double of its last p values (newest first) in the key's previous-value slab; −1 without lags.</summary>
    public int LagIndex { get; set; } = -1;
}
