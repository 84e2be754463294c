using BenchmarkDotNet.Attributes;
using StreamRnn.Benchmarks.LibTorch;
using StreamRnn.Core;
using static TorchSharp.torch;

namespace StreamRnn.Benchmarks.Comparisons;

/// <summary>
/// One forward step of a one-layer network for B keys: StreamRnn's <see cref="RecurrentNetwork.Step"/> (B = 1) or
/// <see cref="RecurrentNetwork.StepBatch"/>, against libtorch's <c>LSTMCell</c>/<c>GRUCell</c> on the same weights,
/// inputs and state shapes, single-threaded and with libtorch's default thread count.
/// </summary>
/// <remarks>
/// The state is carried from call to call on both sides, as in streaming inference. Time per call is time per batch,
/// so the Ratio column (libtorch ÷ StreamRnn) is also the throughput ratio.
/// </remarks>
public class ForwardStepBenchmarks
{
    /// <summary>Input features per step (I).</summary>
    public const int InputSize = 8;

    private const int Seed = 20240602;

    private ModelWeights weights = null!;
    private RecurrentNetwork network = null!;
    private float[] inputs = null!;
    private float[] states = null!;
    private float[] headOutputs = null!;
    private StepStatus[] statuses = null!;
    private TorchCellStepper? torchStepper;
    private IDisposable? noGrad;

    [Params(CellKind.Lstm, CellKind.Gru)]
    public CellKind Cell { get; set; }

    [Params(32, 64, 128)]
    public int HiddenSize { get; set; }

    [Params(1, 16, 256)]
    public int Batch { get; set; }

    [GlobalSetup(Target = nameof(StreamRnnCore))]
    public void SetupCore()
    {
        CreateInputs();
        network = new RecurrentNetwork(weights.Shape, Batch);
        states = new float[Batch * weights.Shape.StateSize];
        headOutputs = new float[Batch * weights.Shape.HeadOutputSize];
        statuses = new StepStatus[Batch];
        if (StreamRnnCore() != 0)
        {
            throw new InvalidOperationException("The core's first step did not return Ok for every key.");
        }
    }

    [GlobalSetup(Target = nameof(LibTorchOneThread))]
    public void SetupLibTorchOneThread() => SetupLibTorch(1);

    [GlobalSetup(Target = nameof(LibTorchDefaultThreads))]
    public void SetupLibTorchDefaultThreads() => SetupLibTorch(LibTorchRuntime.DefaultThreadCount);

    [GlobalCleanup]
    public void Cleanup()
    {
        torchStepper?.Dispose();
        noGrad?.Dispose();
        torchStepper = null;
        noGrad = null;
    }

    /// <summary>Returns the number of keys whose step was not Ok (0 in this benchmark).</summary>
    [Benchmark(Baseline = true)]
    public int StreamRnnCore() => Batch == 1
        ? (int)network.Step(weights, inputs.AsSpan(0, InputSize), states, headOutputs)
        : network.StepBatch(weights, inputs, states, headOutputs, statuses, Batch);

    [Benchmark]
    public void LibTorchOneThread() => torchStepper!.Step();

    [Benchmark]
    public void LibTorchDefaultThreads() => torchStepper!.Step();

    private void SetupLibTorch(int threads)
    {
        LibTorchRuntime.UseThreads(threads);
        CreateInputs();
        noGrad = no_grad();
        torchStepper = new TorchCellStepper(weights, inputs, Batch);
        torchStepper.Step();
    }

    private void CreateInputs()
    {
        ModelShape shape = new(Cell, InputSize, HiddenSize, Layers: 1, HeadKind.Linear);
        weights = ModelWeights.Initialize(shape, Seed);
        inputs = SeededData.Uniform(Batch * InputSize, Seed + 1, scale: 1f);
    }
}
