namespace StreamRnn.Engine.Runtime;

/// <summary>A read-only copy of one key's state, for the HTTP query endpoint.</summary>
/// <param name="Key">The series key.</param>
/// <param name="Partition">The input partition the key lives in.</param>
/// <param name="LastAppliedOffset">Offset of the last record applied to the key's state.</param>
/// <param name="LastEventTime">Event time of the last applied record.</param>
/// <param name="Steps">Records applied to the key since its state was created.</param>
/// <param name="LastPredictionMean">Last prediction (de-normalised mean, value or probability); null before the first.</param>
/// <param name="LastPredictionStandardDeviation">Its standard deviation (Gaussian head), else null.</param>
/// <param name="ModelVersion">Version of the weights that made the last prediction.</param>
/// <param name="HiddenState">A copy of the recurrent state (StateSize floats).</param>
/// <param name="ClassProbabilities">Categorical head: each category's probability for the key's next step, from its
/// state under the current model (the last prediction's "probabilities" while the model version is unchanged); else null.</param>
public sealed record KeySummary(
    string Key,
    int Partition,
    long LastAppliedOffset,
    DateTimeOffset LastEventTime,
    long Steps,
    double? LastPredictionMean,
    double? LastPredictionStandardDeviation,
    long ModelVersion,
    float[] HiddenState,
    IReadOnlyDictionary<string, double>? ClassProbabilities = null)
{
    /// <summary>
    /// With a Linear path: the guard's weight of each candidate forecast (combined = network + AR by least squares,
    /// persistence, seasonal, ar = the AR without the network) and its discounted mean absolute error in units of the
    /// key's σ, and the key's calibrated 80 % / 95 % interval multipliers; null without one.
    /// </summary>
    public LinearPathSummary? Linear { get; init; }
}

/// <summary>The Linear path of one key, for the key inspector.</summary>
/// <param name="Weights">The guard's weight per candidate (sums to 1; only "combined" is 1 with Guard off).</param>
/// <param name="ErrorScale">Discounted mean absolute error per candidate, in units of the key's σ.</param>
/// <param name="Multiplier80">Calibrated multiplier of the stddev for the central 80 % interval.</param>
/// <param name="Multiplier95">Same for 95 %.</param>
public sealed record LinearPathSummary(
    IReadOnlyDictionary<string, double> Weights,
    IReadOnlyDictionary<string, double> ErrorScale,
    double Multiplier80,
    double Multiplier95);
