using System.Globalization;
using StreamRnn.Benchmarks.Comparisons;
using StreamRnn.Benchmarks.LibTorch;
using StreamRnn.Core;
using static TorchSharp.torch;

namespace StreamRnn.Benchmarks.Validation;

/// <summary>
/// Shows that both sides of each comparison compute the same thing before any of it is timed: same weights, same
/// inputs, same states after several steps, and the same gradient of the same loss.
/// </summary>
/// <remarks>
/// Tolerances are for float32 against float32 with different summation orders: states within 1e-4 absolute after
/// 8 steps; gradients within 1e-3 of the largest gradient element. StreamRnn's MSE may be defined as ½(y − ŷ)² where
/// libtorch's is (y − ŷ)²: the loss ratio is measured and the gradients are compared after scaling by it, and the
/// ratio itself must be 1 or ½.
/// </remarks>
public static class EquivalenceCheck
{
    private const int Seed = 777;
    private const int ForwardSteps = 8;
    private const int ForwardBatch = 5;
    private const float StateTolerance = 1e-4f;
    private const float GradientTolerance = 1e-3f;

    /// <summary>Runs every check, writes one line per check to <paramref name="output"/>, returns true if all pass.</summary>
    public static bool Run(TextWriter output)
    {
        LibTorchRuntime.UseThreads(1);
        bool passed = true;
        foreach (var cell in (CellKind[])[CellKind.Lstm, CellKind.Gru])
        {
            foreach (int hiddenSize in (int[])[32, 64, 128])
            {
                ModelShape shape = new(cell, ForwardStepBenchmarks.InputSize, hiddenSize, Layers: 1, HeadKind.Linear);
                var weights = ModelWeights.Initialize(shape, Seed + hiddenSize);
                passed &= CheckForward(weights, output);
                passed &= CheckBackward(weights, output);
            }
        }

        return passed;
    }

    private static bool CheckForward(ModelWeights weights, TextWriter output)
    {
        var shape = weights.Shape;
        float[] inputs = SeededData.Uniform(ForwardBatch * shape.InputSize, Seed, scale: 1f);
        RecurrentNetwork network = new(shape, ForwardBatch);
        float[] states = new float[ForwardBatch * shape.StateSize];
        float[] single = new float[shape.StateSize];
        float[] headOutputs = new float[ForwardBatch * shape.HeadOutputSize];
        var statuses = new StepStatus[ForwardBatch];
        using var noGrad = no_grad();
        using TorchCellStepper torchStepper = new(weights, inputs, ForwardBatch);
        for (int step = 0; step < ForwardSteps; step++)
        {
            network.StepBatch(weights, inputs, states, headOutputs, statuses, ForwardBatch);
            network.Step(weights, inputs.AsSpan(0, shape.InputSize), single, headOutputs.AsSpan(0, shape.HeadOutputSize));
            torchStepper.Step();
        }

        float difference = MaxAbsoluteDifference(states, torchStepper.ReadStates());
        bool singleMatchesBatch = single.AsSpan().SequenceEqual(states.AsSpan(0, shape.StateSize));
        bool ok = difference <= StateTolerance && singleMatchesBatch;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(ok ? "ok  " : "FAIL")} step  {shape.Cell,-4} H={shape.HiddenSize,-3}: max |state − libtorch| = {difference:0.00E+00} after {ForwardSteps} steps; Step == StepBatch row 0: {singleMatchesBatch}"));
        return ok;
    }

    private static bool CheckBackward(ModelWeights weights, TextWriter output)
    {
        var shape = weights.Shape;
        int steps = TruncatedBackpropBenchmarks.WindowSteps;
        float[] startState = SeededData.Uniform(shape.StateSize, Seed + 1, scale: 0.5f);
        float[] inputs = SeededData.Uniform(steps * shape.InputSize, Seed + 2, scale: 1f);
        float[] targets = SeededData.Uniform(steps, Seed + 3, scale: 1f);
        float[] targetWeights = new float[steps];
        Array.Fill(targetWeights, 1f);

        float[] gradient = new float[shape.ParameterCount];
        double coreLoss;
        try
        {
            coreLoss = new BackpropagationThroughTime(shape, steps)
                .Accumulate(weights, startState, inputs, targets, targetWeights, gradient, out _);
        }
        catch (NotImplementedException)
        {
            // The core lands in steps; a missing backward is reported, not hidden, and its benchmark fails visibly.
            output.WriteLine($"SKIP TBPTT {shape.Cell,-4} H={shape.HiddenSize,-3}: the core's backward is not implemented yet");
            return true;
        }

        using TorchWindowBackprop torchBackprop = new(weights, startState, inputs, targets);
        double torchLoss = torchBackprop.RunAndReadLoss();
        float[] torchGradient = torchBackprop.ReadGradient();

        double lossRatio = coreLoss / torchLoss;
        bool ratioKnown = Math.Abs(lossRatio - 1) < 1e-4 || Math.Abs(lossRatio - 0.5) < 1e-4;
        float scale = (float)(Math.Abs(lossRatio - 0.5) < 1e-4 ? 0.5 : 1.0);
        float largest = 0f;
        float difference = 0f;
        for (int index = 0; index < gradient.Length; index++)
        {
            largest = Math.Max(largest, Math.Abs(gradient[index]));
            difference = Math.Max(difference, Math.Abs(gradient[index] - (scale * torchGradient[index])));
        }

        bool ok = ratioKnown && gradient.Length == torchGradient.Length && difference <= GradientTolerance * largest;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(ok ? "ok  " : "FAIL")} TBPTT {shape.Cell,-4} H={shape.HiddenSize,-3}: loss {coreLoss:G6} vs libtorch {torchLoss:G6} (ratio {lossRatio:F4}); max |Δgrad| = {difference:0.00E+00} of max |grad| {largest:0.00E+00} over {gradient.Length} parameters"));
        return ok;
    }

    private static float MaxAbsoluteDifference(ReadOnlySpan<float> left, ReadOnlySpan<float> right)
    {
        if (left.Length != right.Length)
        {
            return float.PositiveInfinity;
        }

        float difference = 0f;
        for (int index = 0; index < left.Length; index++)
        {
            difference = Math.Max(difference, Math.Abs(left[index] - right[index]));
        }

        return difference;
    }
}
