using BenchmarkDotNet.Attributes;
using StreamRnn.Benchmarks.LibTorch;
using StreamRnn.Core;

namespace StreamRnn.Benchmarks.Comparisons;

/// <summary>
/// Truncated BPTT over a mini-batch of B = 256 windows of k = 16 steps (H = 64, Linear head, MSE at every step):
/// StreamRnn's <see cref="BatchedBackpropagationThroughTime"/>, the same windows one after another through
/// <see cref="BackpropagationThroughTime"/>, and libtorch's batched cell calls with one thread.
/// </summary>
public class BatchedBackpropBenchmarks
{
    public const int Windows = 256;
    public const int WindowSteps = 16;
    private const int Seed = 20261204;

    private ModelWeights _weights = null!;
    private float[] _startStates = null!;
    private float[] _inputs = null!;
    private float[] _targets = null!;
    private float[] _targetWeights = null!;
    private float[] _gradient = null!;
    private BatchedBackpropagationThroughTime _batched = null!;
    private BackpropagationThroughTime _single = null!;
    private TorchBatchedWindowBackprop? _torch;

    [Params(CellKind.Lstm, CellKind.Gru)]
    public CellKind Cell { get; set; }

    [Params(64)]
    public int HiddenSize { get; set; }

    [GlobalSetup(Targets = [nameof(StreamRnnBatched), nameof(StreamRnnPerWindow)])]
    public void SetupCore()
    {
        CreateInputs();
        _batched = new BatchedBackpropagationThroughTime(_weights.Shape, WindowSteps, Windows);
        _single = new BackpropagationThroughTime(_weights.Shape, WindowSteps);
        _gradient = new float[_weights.Shape.ParameterCount];
    }

    [GlobalSetup(Target = nameof(LibTorchBatchedOneThread))]
    public void SetupLibTorch()
    {
        LibTorchRuntime.UseThreads(1);
        CreateInputs();
        _torch = new TorchBatchedWindowBackprop(_weights, Windows, _startStates, _inputs, _targets);
        _torch.Run();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _torch?.Dispose();
        _torch = null;
    }

    [Benchmark(Baseline = true)]
    public double StreamRnnBatched() =>
        _batched.Accumulate(_weights, Windows, WindowSteps, _startStates, _inputs, _targets, _targetWeights, _gradient, out _);

    [Benchmark]
    public double StreamRnnPerWindow()
    {
        double loss = 0;
        int s = _weights.Shape.StateSize, n = _weights.Shape.InputSize;
        for (int b = 0; b < Windows; b++)
        {
            loss += _single.Accumulate(_weights, _startStates.AsSpan(b * s, s), _inputs.AsSpan(b * WindowSteps * n, WindowSteps * n),
                _targets.AsSpan(b * WindowSteps, WindowSteps), _targetWeights.AsSpan(b * WindowSteps, WindowSteps), _gradient, out _);
        }

        return loss;
    }

    [Benchmark]
    public void LibTorchBatchedOneThread() => _torch!.Run();

    private void CreateInputs()
    {
        ModelShape shape = new(Cell, ForwardStepBenchmarks.InputSize, HiddenSize, Layers: 1, HeadKind.Linear);
        _weights = ModelWeights.Initialize(shape, Seed);
        _startStates = SeededData.Uniform(Windows * shape.StateSize, Seed + 1, scale: 0.5f);
        _inputs = SeededData.Uniform(Windows * WindowSteps * shape.InputSize, Seed + 2, scale: 1f);
        _targets = SeededData.Uniform(Windows * WindowSteps, Seed + 3, scale: 1f);
        _targetWeights = new float[Windows * WindowSteps];
        Array.Fill(_targetWeights, 1f);
    }
}
