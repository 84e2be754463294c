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

    private ModelWeights weights = null!;
    private float[] startStates = null!;
    private float[] inputs = null!;
    private float[] targets = null!;
    private float[] targetWeights = null!;
    private float[] gradient = null!;
    private BatchedBackpropagationThroughTime batched = null!;
    private BackpropagationThroughTime single = null!;
    private TorchBatchedWindowBackprop? torch;

    [Params(CellKind.Lstm, CellKind.Gru)]
    public CellKind Cell { get; set; }

    [Params(64)]
    public int HiddenSize { get; set; }

    [GlobalSetup(Targets = [nameof(StreamRnnBatched), nameof(StreamRnnPerWindow)])]
    public void SetupCore()
    {
        CreateInputs();
        batched = new BatchedBackpropagationThroughTime(weights.Shape, WindowSteps, Windows);
        single = new BackpropagationThroughTime(weights.Shape, WindowSteps);
        gradient = new float[weights.Shape.ParameterCount];
    }

    [GlobalSetup(Target = nameof(LibTorchBatchedOneThread))]
    public void SetupLibTorch()
    {
        LibTorchRuntime.UseThreads(1);
        CreateInputs();
        torch = new TorchBatchedWindowBackprop(weights, Windows, startStates, inputs, targets);
        torch.Run();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        torch?.Dispose();
        torch = null;
    }

    [Benchmark(Baseline = true)]
    public double StreamRnnBatched() =>
        batched.Accumulate(weights, Windows, WindowSteps, startStates, inputs, targets, targetWeights, gradient, out _);

    [Benchmark]
    public double StreamRnnPerWindow()
    {
        double loss = 0;
        int s = weights.Shape.StateSize, n = weights.Shape.InputSize;
        for (int b = 0; b < Windows; b++)
        {
            loss += single.Accumulate(weights, startStates.AsSpan(b * s, s), inputs.AsSpan(b * WindowSteps * n, WindowSteps * n),
                targets.AsSpan(b * WindowSteps, WindowSteps), targetWeights.AsSpan(b * WindowSteps, WindowSteps), gradient, out _);
        }

        return loss;
    }

    [Benchmark]
    public void LibTorchBatchedOneThread() => torch!.Run();

    private void CreateInputs()
    {
        ModelShape shape = new(Cell, ForwardStepBenchmarks.InputSize, HiddenSize, Layers: 1, HeadKind.Linear);
        weights = ModelWeights.Initialize(shape, Seed);
        startStates = SeededData.Uniform(Windows * shape.StateSize, Seed + 1, scale: 0.5f);
        inputs = SeededData.Uniform(Windows * WindowSteps * shape.InputSize, Seed + 2, scale: 1f);
        targets = SeededData.Uniform(Windows * WindowSteps, Seed + 3, scale: 1f);
        targetWeights = new float[Windows * WindowSteps];
        Array.Fill(targetWeights, 1f);
    }
}
