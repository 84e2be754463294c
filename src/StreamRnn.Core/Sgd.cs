using System.Numerics.Tensors;

namespace StreamRnn.Core;

/// <summary>Stochastic gradient descent with optional momentum and (L2) weight decay.</summary>
/// <remarks>
/// PyTorch's SGD without dampening or Nesterov: <c>d = g + λ·p;  v = μ·v + d;  p = p − η·v</c>
/// (with μ = 0 this is <c>p = p − η·d</c>; v starts at 0, so the first step has v = d).
/// </remarks>
public sealed class Sgd : IOptimizer
{
    private readonly float[] _velocity;
    private readonly float[] _direction;

    public Sgd(int parameterCount, float learningRate, float momentum = 0f, float weightDecay = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parameterCount, 1);
        OptimizerArguments.RequireNonNegative(learningRate, nameof(learningRate));
        OptimizerArguments.RequireNonNegative(weightDecay, nameof(weightDecay));
        if (!(momentum >= 0f && momentum < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must lie in [0, 1).");
        }

        ParameterCount = parameterCount;
        LearningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
        _velocity = new float[parameterCount];
        _direction = new float[parameterCount];
    }

    public float LearningRate { get; set; }

    public float Momentum { get; }

    public float WeightDecay { get; }

    public int ParameterCount { get; }

    /// <summary>The momentum buffer v (for inspection or persistence).</summary>
    public ReadOnlySpan<float> Velocity => _velocity;

    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        OptimizerArguments.RequireLengths(parameters.Length, gradient.Length, ParameterCount);
        var d = gradient;
        if (WeightDecay != 0f)
        {
            TensorPrimitives.MultiplyAdd(parameters, WeightDecay, gradient, _direction);
            d = _direction;
        }

        if (Momentum != 0f)
        {
            TensorPrimitives.MultiplyAdd(_velocity, Momentum, d, _velocity);
            d = _velocity;
        }

        TensorPrimitives.MultiplyAdd(d, -LearningRate, parameters, parameters);
    }
}
