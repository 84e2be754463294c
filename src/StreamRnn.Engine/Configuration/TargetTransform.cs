namespace StreamRnn.Engine;

/// <summary>What the network forecasts, derived from the target field's value x.</summary>
/// <remarks>Raw: y = x. Difference: y = x_t − x_{t−1}. LogReturn: y = ln(x_t / x_{t−1}).</remarks>
public enum TargetTransform
{
    Raw = 0,
    Difference = 1,
    LogReturn = 2,
}
