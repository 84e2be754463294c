using BenchmarkDotNet.Attributes;
using StreamRnn.Benchmarks.LibTorch;
using StreamRnn.Core;

namespace StreamRnn.Benchmarks.Comparisons;

/// <summary>
/// Truncated BPTT over one key's window of k = 16 steps: forward from a stored start state, Linear head and MSE at every
/// step, backward into the parameter gradient. StreamRnn's <see cref="BackpropagationThroughTime.Accumulate"/> against
/// libtorch (LSTMCell/GRUCell ×16, Linear, mse_loss, backward) on the same weights and data.
/// </summary>
public class TruncatedBackpropBenchmarks
{
    /// <summary>Window length k.</summary>
    public const int WindowSteps = 16;

    private const int Seed = 20240603;

    private ModelWeights _weights = null!;
    private BackpropagationThroughTime _backprop = null!;
    private float[] _startState = null!;
    private float[] _inputs = null!;
    private float[] _targets = null!;
    private float[] _targetWeights = null!;
    private float[] _gradient = null!;
    private TorchWindowBackprop? _torchBackprop;

    [Params(CellKind.Lstm, CellKind.Gru)]
    public CellKind Cell { get; set; }

    [Params(32, 64, 128)]
    public int HiddenSize { get; set; }

    [GlobalSetup(Target = nameof(StreamRnnCore))]
    public void SetupCore()
    {
        CreateInputs();
        _backprop = new BackpropagationThroughTime(_weights.Shape, WindowSteps);
        _gradient = new float[_weights.Shape.ParameterCount];
        StreamRnnCore();
    }

    [GlobalSetup(Target = nameof(LibTorchOneThread))]
    public void SetupLibTorchOneThread() => SetupLibTorch(1);

    [GlobalSetup(Target = nameof(LibTorchDefaultThreads))]
    public void SetupLibTorchDefaultThreads() => SetupLibTorch(LibTorchRuntime.DefaultThreadCount);

    [GlobalCleanup]
    public void Cleanup()
    {
        _torchBackprop?.Dispose();
        _torchBackprop = null;
    }

    /// <summary>Returns the window's loss; the gradient is added into a buffer that is never cleared, as libtorch's .grad.</summary>
    [Benchmark(Baseline = true)]
    public double StreamRnnCore() =>
        _backprop.Accumulate(_weights, _startState, _inputs, _targets, _targetWeights, _gradient, out _);

    [Benchmark]
    public void LibTorchOneThread() => _torchBackprop!.Run();

    [Benchmark]
    public void LibTorchDefaultThreads() => _torchBackprop!.Run();

    private void SetupLibTorch(int threads)
    {
        LibTorchRuntime.UseThreads(threads);
        CreateInputs();
        _torchBackprop = new TorchWindowBackprop(_weights, _startState, _inputs, _targets);
        _torchBackprop.Run();
    }

    private void CreateInputs()
    {
        ModelShape shape = new(Cell, ForwardStepBenchmarks.InputSize, HiddenSize, Layers: 1, HeadKind.Linear);
        _weights = ModelWeights.Initialize(shape, Seed);
        _startState = SeededData.Uniform(shape.StateSize, Seed + 1, scale: 0.5f);
        _inputs = SeededData.Uniform(WindowSteps * shape.InputSize, Seed + 2, scale: 1f);
        _targets = SeededData.Uniform(WindowSteps, Seed + 3, scale: 1f);
        _targetWeights = new float[WindowSteps];
        Array.Fill(_targetWeights, 1f);
    }
}
