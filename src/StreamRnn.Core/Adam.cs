namespace StreamRnn.Core;

/// <summary>Adam with bias correction and optional decoupled weight decay (AdamW).</summary>
public sealed class Adam : IOptimizer
{
    public Adam(int parameterCount, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f,
        float epsilon = 1e-8f, float weightDecay = 0f) => throw new NotImplementedException();
    public float LearningRate { get; set; }
    /// <summary>Updates taken so far (for bias correction and for persistence of optimiser state).</summary>
    public long StepCount => throw new NotImplementedException();
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient) => throw new NotImplementedException();
}
