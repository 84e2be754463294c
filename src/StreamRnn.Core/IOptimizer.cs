namespace StreamRnn.Core;

/// <summary>Updates parameters in place from a gradient.</summary>
public interface IOptimizer
{
    /// <summary>One update; <paramref name="parameters"/> and <paramref name="gradient"/> have ParameterCount floats.</summary>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradient);
}
