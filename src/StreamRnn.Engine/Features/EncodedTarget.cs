namespace StreamRnn.Engine.Features;

/// <summary>What the feature encoder learnt about one record's target, kept with the record until it is stepped.</summary>
internal struct EncodedTarget
{
    /// <summary>y_t in target units (after the target transform); NaN when the key has no previous value yet.</summary>
    public double Value;

    /// <summary>Running mean and standard deviation of y after including y_t: de-normalise with these.</summary>
    public double Mean;
    public double StandardDeviation;

    /// <summary>The raw target field value x_t (for a Category target the class index c_t).</summary>
    public double Raw;

    /// <summary>A Category target's class index c_t (0..K−1), the Categorical head's training target; −1 otherwise.
    /// <see cref="Value"/> is then the event label: 1 when c_t is a Target:Positive class.</summary>
    public int Class;

    /// <summary>The naive forecast of y_{t+h}: x_t for Raw, 0 for Difference and LogReturn, the base rate for Binary.</summary>
    public double Baseline;

    /// <summary>False until every Difference and LogReturn input and the target have a previous value.</summary>
    public bool HasHistory;
}
