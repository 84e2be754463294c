namespace StreamRnn.Engine;

/// <summary>How one input field becomes network inputs.</summary>
/// <remarks>
/// Raw: u = x. ZScore: u = (x − μ) / σ with the key's running statistics after including x.
/// Difference: u = z(x_t − x_{t−1}). LogReturn: u = z(ln(x_t / x_{t−1})), x must be positive.
/// OneHot: one input per configured category, 1 for the field's value, 0 for the others.
/// Difference and LogReturn are also standardised with running statistics, because raw returns are tiny and
/// raw differences are in arbitrary units.
/// </remarks>
public enum FeatureTransform
{
    Raw = 0,
    ZScore = 1,
    LogReturn = 2,
    Difference = 3,
    OneHot = 4,
}
