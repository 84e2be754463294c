using System.Diagnostics;
using System.Numerics.Tensors;
using StreamRnn.Core;

namespace StreamRnn.Engine.Training;

/// <summary>
/// Trains a candidate: a copy θ of the champion's parameters stepped with Adam over mini-batches of the training list,
/// with Adam's moments following the champion (saved at the start of a pass, put back when the candidate is rejected).
/// Trainer-thread state (the trainer's round lock guards it).
/// </summary>
/// <remarks>
/// <para>Per mini-batch of B windows: g = (Σ_w ∇L_w(θ)) / Σ_w Σ_t weight_w,t;  g ← g · min(1, c / ‖g‖₂);
/// θ ← Adam(θ, g, η_t). Fewer than B windows wait for the next round.</para>
/// <para>Optimiser state follows the champion: Adam's moments (and its bias-correction step count) are saved at the
/// start of a pass and put back when the candidate is rejected, so a discarded (possibly non-finite) trajectory
/// leaves no trace; when the candidate is promoted they carry on with it. When the champion was changed by someone
/// else (a merge, an adoption, a restore) or a round failed, the moments describe no trajectory that led to it and
/// restart from zero. The schedule's step count t counts every step taken and is never reset.</para>
/// </remarks>
internal sealed class CandidateOptimizer
{
    private readonly ModelShape _shape;
    private readonly TrainingOptions _options;
    private readonly Action<long> _rest;
    private readonly float[] _parameters;
    private readonly float[] _gradient;
    private readonly float[] _savedFirstMoment;
    private readonly float[] _savedSecondMoment;
    private long _savedAdamSteps;
    private BackpropagationThroughTime? _bptt;
    private ModelWeights? _scratch;
    private Adam? _adam;
    private ModelWeights? _momentsOwner;
    private long _optimizerSteps;
    private long _lastBatchTicks;

    /// <param name="rest">Called before each mini-batch with the ticks the previous one took (the duty cycle).</param>
    public CandidateOptimizer(ModelShape shape, TrainingOptions options, Action<long> rest)
    {
        _shape = shape;
        _options = options;
        _rest = rest;
        _parameters = new float[shape.ParameterCount];
        _gradient = new float[shape.ParameterCount];
        _savedFirstMoment = new float[shape.ParameterCount];
        _savedSecondMoment = new float[shape.ParameterCount];
    }

    /// <summary>What one pass over the training list did.</summary>
    public readonly record struct Pass(int Steps, int Trained, double LossSum, double WeightSum, bool Finite, int Consumed);

    /// <summary>Test seam: sees (and may alter) each mini-batch's summed gradient before it is normalised and clipped.</summary>
    public Action<Span<float>>? GradientHook { get; set; }

    /// <summary>The BPTT workspace shared by training and validation, created on first use.</summary>
    public BackpropagationThroughTime Bptt => _bptt ??= new BackpropagationThroughTime(_shape, _options.WindowSteps);

    /// <summary>Adam's step count and a copy of its first moment (empty before the first training round).</summary>
    public (long Steps, float[] FirstMoment) State() => _adam is null ? (0, []) : (_adam.StepCount, _adam.FirstMoment.ToArray());

    /// <summary>
    /// Trains θ, starting from <paramref name="champion"/>, on whole mini-batches of <paramref name="training"/> until
    /// fewer than <paramref name="batch"/> windows are left or a step is not finite.
    /// </summary>
    public Pass Train(ModelWeights champion, ReadOnlySpan<TrainingWindow> training, int batch)
    {
        var bptt = Bptt;
        champion.Parameters.CopyTo(_parameters);
        _adam ??= new Adam(_shape.ParameterCount, (float)_options.LearningRate, weightDecay: (float)_options.WeightDecay);
        if (!ReferenceEquals(_momentsOwner, champion))
        {
            Array.Clear(_gradient);
            _adam.Restore(0, _gradient, _gradient);
            _momentsOwner = champion;
        }

        _adam.FirstMoment.CopyTo(_savedFirstMoment);
        _adam.SecondMoment.CopyTo(_savedSecondMoment);
        _savedAdamSteps = _adam.StepCount;

        int steps = 0;
        int trained = 0;
        double lossSum = 0;
        double weightSum = 0;
        bool finite = true;
        int consumed = 0;
        while (finite && training.Length - consumed >= batch)
        {
            _rest(_lastBatchTicks);
            long batchStarted = Stopwatch.GetTimestamp();
            _lastBatchTicks = 0;
            _scratch ??= ModelWeights.CreateScratch(_shape);
            _scratch.Overwrite(_parameters, champion.Version);
            var view = _scratch;
            Array.Clear(_gradient);
            double batchLoss = 0;
            double batchWeight = 0;
            for (int i = consumed; i < consumed + batch; i++)
            {
                var window = training[i];
                batchLoss += bptt.Accumulate(view, window.StartState, window.Inputs, window.Targets, window.TargetWeights,
                    _gradient, out double windowWeight);
                batchWeight += windowWeight;
            }

            consumed += batch;
            trained += batch;
            if (batchWeight <= 0)
            {
                continue;
            }

            GradientHook?.Invoke(_gradient);
            lossSum += batchLoss;
            weightSum += batchWeight;
            TensorPrimitives.Multiply(_gradient, (float)(1.0 / batchWeight), _gradient);
            float norm = GradientClipping.ClipByGlobalNorm(_gradient, (float)_options.GradientClipNorm);
            if (!double.IsFinite(batchLoss) || float.IsNaN(norm))
            {
                finite = false;
                break;
            }

            _adam.LearningRate = (float)_options.LearningRateAt(_optimizerSteps);
            _adam.Step(_parameters, _gradient);
            _optimizerSteps++;
            steps++;
            finite = TensorPrimitives.IsFiniteAll<float>(_parameters);
            _lastBatchTicks = Stopwatch.GetTimestamp() - batchStarted;
        }

        return new Pass(steps, trained, lossSum, weightSum, finite, consumed);
    }

    /// <summary>The trained parameters as a model of <paramref name="version"/>.</summary>
    public ModelWeights Candidate(long version) => ModelWeights.FromParameters(_shape, _parameters, version);

    /// <summary>The candidate was rejected: Adam's moments go back to where the pass started.</summary>
    public void Restore() => _adam?.Restore(_savedAdamSteps, _savedFirstMoment, _savedSecondMoment);

    /// <summary>The candidate was promoted as <paramref name="champion"/>: the moments carry on with it.</summary>
    public void Follow(ModelWeights champion) => _momentsOwner = champion;

    /// <summary>The moments describe no trajectory to the champion any more (a failed round): restart them.</summary>
    public void ForgetMoments() => _momentsOwner = null;
}
