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

    private ModelWeights weights = null!;
    private BackpropagationThroughTime backprop = null!;
    private float[] startState = null!;
    private float[] inputs = null!;
    private float[] targets = null!;
    private float[] targetWeights = null!;
    private float[] gradient = null!;
    private TorchWindowBackprop? torchBackprop;

    [Params(CellKind.Lstm, CellKind.Gru)]
    public CellKind Cell { get; set; }

    [Params(32, 64, 128)]
    public int HiddenSize { get; set; }

    [GlobalSetup(Target = nameof(StreamRnnCore))]
    public void SetupCore()
    {
        CreateInputs();
        backprop = new BackpropagationThroughTime(weights.Shape, WindowSteps);
        gradient = new float[weights.Shape.ParameterCount];
        StreamRnnCore();
    }

    [GlobalSetup(Target = nameof(LibTorchOneThread))]
    public void SetupLibTorchOneThread() => SetupLibTorch(1);

    [GlobalSetup(Target = nameof(LibTorchDefaultThreads))]
    public void SetupLibTorchDefaultThreads() => SetupLibTorch(LibTorchRuntime.DefaultThreadCount);

    [GlobalCleanup]
    public void Cleanup()
    {
        torchBackprop?.Dispose();
        torchBackprop = null;
    }

    /// <summary>Returns the window's loss; the gradient is added into a buffer that is never cleared, as libtorch's .grad.</summary>
    [Benchmark(Baseline = true)]
    public double StreamRnnCore() =>
        backprop.Accumulate(weights, startState, inputs, targets, targetWeights, gradient, out _);

    [Benchmark]
    public void LibTorchOneThread() => torchBackprop!.Run();

    [Benchmark]
    public void LibTorchDefaultThreads() => torchBackprop!.Run();

    private void SetupLibTorch(int threads)
    {
        LibTorchRuntime.UseThreads(threads);
        CreateInputs();
        torchBackprop = new TorchWindowBackprop(weights, startState, inputs, targets);
        torchBackprop.Run();
    }

    private void CreateInputs()
    {
        ModelShape shape = new(Cell, ForwardStepBenchmarks.InputSize, HiddenSize, Layers: 1, HeadKind.Linear);
        weights = ModelWeights.Initialize(shape, Seed);
        startState = SeededData.Uniform(shape.StateSize, Seed + 1, scale: 0.5f);
        inputs = SeededData.Uniform(WindowSteps * shape.InputSize, Seed + 2, scale: 1f);
        targets = SeededData.Uniform(WindowSteps, Seed + 3, scale: 1f);
        targetWeights = new float[WindowSteps];
        Array.Fill(targetWeights, 1f);
    }
}
