namespace StreamRnn.Engine.Configuration;

/// <summary>What the network forecasts, derived from the target field's value x.</summary>
/// <remarks>
/// <para>Raw: y = x. Difference: y = x_t − x_{t−1}. LogReturn: y = ln(x_t / x_{t−1}).</para>
/// <para>Exit and OutWithin are event labels for a Binary head, derived in the engine from a state field (e.g.
/// <c>in_bed</c>): with h = Target:Horizon steps of the key, "out" at step i meaning x_i = Target:OutValue and "in"
/// the opposite,
/// <c>Exit: y_j = 1 iff in(j) and out(i) for some i in (j, j+h]</c> (the key leaves the in-state within h steps),
/// <c>OutWithin: y_j = 1 iff out(i) for some i in [j, j+h]</c> (out now or within h steps).
/// With Target:Within = W the out step must also fall within W of step j in event time (time_i − time_j ≤ W, the
/// step's event time, see <see cref="TargetOptions.Within"/>): a label in seconds, with h the look-ahead cap in readings.
/// y_j becomes known at step j+h, which is when the prediction made at step j is scored and its training target
/// lands, exactly as y_{j+h} does for the other transforms.</para>
/// <para>Category is the class label of a Categorical head: the field's value (a string or number, matched exactly
/// against Target:Categories) is the class c_t; the network forecasts the class distribution of step t+h, trained
/// with cross-entropy on c_{t+h}. The event the alert rules and scores see is "c ∈ Target:Positive", its
/// probability the sum of the predicted probabilities of those classes.</para>
/// </remarks>
public enum TargetTransform
{
    Raw = 0,
    Difference = 1,
    LogReturn = 2,
    Exit = 3,
    OutWithin = 4,
    Category = 5,
}
