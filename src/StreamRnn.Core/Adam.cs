using System.Numerics.Tensors;

namespace StreamRnn.Core;

/// <summary>Adam with bias correction and optional decoupled weight decay (AdamW).</summary>
/// <remarks>
/// As PyTorch's Adam/AdamW, at update t = 1, 2, …:
/// <code>
/// p = p · (1 − η·λ)                              (decoupled weight decay, only if λ &gt; 0)
/// m = β1·m + (1 − β1)·g;   v = β2·v + (1 − β2)·g²
/// p = p − (η / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
/// </code>
/// The bias corrections are computed in double from the step count.
/// </remarks>
public sealed class Adam : IOptimizer
{
    private readonly float[] _firstMoment;
    private readonly float[] _secondMoment;
    private readonly float[] _scratch;
    private long _stepCount;

    public Adam(int parameterCount, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f,
        float epsilon = 1e-8f, float weightDecay = 0f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parameterCount, 1);
        OptimizerArguments.RequireNonNegative(learningRate, nameof(learningRate));
        OptimizerArguments.RequireNonNegative(weightDecay, nameof(weightDecay));
        if (!(beta1 >= 0f && beta1 < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must lie in [0, 1).");
        }

        if (!(beta2 >= 0f && beta2 < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must lie in [0, 1).");
        }

        if (!(float.IsFinite(epsilon) && epsilon > 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be finite and positive.");
        }

        ParameterCount = parameterCount;
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        _firstMoment = new float[parameterCount];
        _secondMoment = new float[parameterCount];
        _scratch = new float[parameterCount];
    }

    public float LearningRate { get; set; }

    public float Beta1 { get; }

    public float Beta2 { get; }

    public float Epsilon { get; }

    /// <summary>Decoupled weight decay λ (0 = plain Adam).</summary>
    public float WeightDecay { get; }

    public int ParameterCount { get; }

    /// <summary>Updates taken so far (for bias correction and for persistence of optimiser state).</summary>
    public long StepCount => _stepCount;

    /// <summary>The first-moment estimate m (for persistence).</summary>
    public ReadOnlySpan<float> FirstMoment => _firstMoment;

    /// <summary>The second-moment estimate v (for persistence).</summary>
    public ReadOnlySpan<float> SecondMoment => _secondMoment;

    /// <summary>Restores state saved from <see cref="StepCount"/>, <see cref="FirstMoment"/> and <see cref="SecondMoment"/>.</summary>
    public void Restore(long steps, ReadOnlySpan<float> first, ReadOnlySpan<float> second)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        OptimizerArguments.RequireLengths(first.Length, second.Length, ParameterCount);
        first.CopyTo(_firstMoment);
        second.CopyTo(_secondMoment);
        _stepCount = steps;
    }

    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient)
    {
        OptimizerArguments.RequireLengths(parameters.Length, gradient.Length, ParameterCount);
        _stepCount++;
        if (WeightDecay != 0f)
        {
            TensorPrimitives.Multiply(parameters, 1f - LearningRate * WeightDecay, parameters);
        }

        TensorPrimitives.Multiply(_firstMoment, Beta1, _firstMoment);
        TensorPrimitives.MultiplyAdd(gradient, 1f - Beta1, _firstMoment, _firstMoment);
        TensorPrimitives.Multiply(gradient, gradient, _scratch);
        TensorPrimitives.Multiply(_secondMoment, Beta2, _secondMoment);
        TensorPrimitives.MultiplyAdd(_scratch, 1f - Beta2, _secondMoment, _secondMoment);

        double correction1 = 1.0 - Math.Pow(Beta1, _stepCount);
        double correction2 = 1.0 - Math.Pow(Beta2, _stepCount);
        TensorPrimitives.Sqrt(_secondMoment, _scratch);
        TensorPrimitives.Multiply(_scratch, (float)(1.0 / Math.Sqrt(correction2)), _scratch);
        TensorPrimitives.Add(_scratch, Epsilon, _scratch);
        TensorPrimitives.Divide(_firstMoment, _scratch, _scratch);
        TensorPrimitives.MultiplyAdd(_scratch, (float)(-LearningRate / correction1), parameters, parameters);
    }
}
