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

    private ModelWeights _weights = null!;
    private RecurrentNetwork _network = null!;
    private float[] _inputs = null!;
    private float[] _states = null!;
    private float[] _headOutputs = null!;
    private StepStatus[] _statuses = null!;
    private TorchCellStepper? _torchStepper;
    private IDisposable? _noGrad;

    [Params(CellKind.Lstm, CellKind.Gru)]
    public CellKind Cell { get; set; }

    [Params(32, 64, 128)]
    public int HiddenSize { get; set; }

    [Params(1, 16, 256)]
    public int Batch { get; set; }

    /// <summary>The core's highway inputs A (0 = none, the case libtorch is compared on); set by <c>--spin … A</c>.</summary>
    public int HighwayInputs { get; set; }

    [GlobalSetup(Target = nameof(StreamRnnCore))]
    public void SetupCore()
    {
        CreateInputs();
        _network = new RecurrentNetwork(_weights.Shape, Batch);
        _states = new float[Batch * _weights.Shape.StateSize];
        _headOutputs = new float[Batch * _weights.Shape.HeadOutputSize];
        _statuses = new StepStatus[Batch];
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
        _torchStepper?.Dispose();
        _noGrad?.Dispose();
        _torchStepper = null;
        _noGrad = null;
    }

    /// <summary>Returns the number of keys whose step was not Ok (0 in this benchmark).</summary>
    [Benchmark(Baseline = true)]
    public int StreamRnnCore() => Batch == 1
        ? (int)_network.Step(_weights, _inputs.AsSpan(0, InputSize), _states, _headOutputs)
        : _network.StepBatch(_weights, _inputs, _states, _headOutputs, _statuses, Batch);

    [Benchmark]
    public void LibTorchOneThread() => _torchStepper!.Step();

    [Benchmark]
    public void LibTorchDefaultThreads() => _torchStepper!.Step();

    private void SetupLibTorch(int threads)
    {
        LibTorchRuntime.UseThreads(threads);
        CreateInputs();
        _noGrad = no_grad();
        _torchStepper = new TorchCellStepper(_weights, _inputs, Batch);
        _torchStepper.Step();
    }

    private void CreateInputs()
    {
        ModelShape shape = new(Cell, InputSize, HiddenSize, Layers: 1, HeadKind.Linear, HighwayInputs: HighwayInputs);
        _weights = ModelWeights.Initialize(shape, Seed);
        _inputs = SeededData.Uniform(Batch * InputSize, Seed + 1, scale: 1f);
    }
}
