namespace StreamRnn.Core;

/// <summary>Stochastic gradient descent with optional momentum and (L2) weight decay.</summary>
public sealed class Sgd : IOptimizer
{
    public Sgd(int parameterCount, float learningRate, float momentum = 0f, float weightDecay = 0f) => throw new NotImplementedException();
    public float LearningRate { get; set; }
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient) => throw new NotImplementedException();
}
