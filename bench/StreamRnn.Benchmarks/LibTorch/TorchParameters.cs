using StreamRnn.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamRnn.Benchmarks.LibTorch;

/// <summary>
/// Copies a one-layer StreamRnn network's parameters into libtorch modules, so both sides compute the same function
/// from the same numbers.
/// </summary>
/// <remarks>
/// <see cref="ModelShape"/>'s flat layout is PyTorch's: W_ih (G·H × I), W_hh (G·H × H), b_ih, b_hh with gates
/// i, f, g, o (LSTM) or r, z, n (GRU), then the head W_out (O × H), b_out (O); so each block is one contiguous copy.
/// </remarks>
public static class TorchParameters
{
    /// <summary>Writes layer 0's blocks into <paramref name="weightIh"/>, <paramref name="weightHh"/>, <paramref name="biasIh"/>, <paramref name="biasHh"/>.</summary>
    public static void CopyCell(ModelWeights weights, Parameter weightIh, Parameter weightHh, Parameter biasIh, Parameter biasHh)
    {
        var shape = weights.Shape;
        if (shape.Layers != 1)
        {
            throw new ArgumentException($"The libtorch side models one layer; the shape has {shape.Layers}.", nameof(weights));
        }

        int rows = shape.GateCount * shape.HiddenSize;
        int offset = 0;
        offset = CopyBlock(weights, offset, weightIh, rows, shape.InputSize);
        offset = CopyBlock(weights, offset, weightHh, rows, shape.HiddenSize);
        offset = CopyBlock(weights, offset, biasIh, rows);
        CopyBlock(weights, offset, biasHh, rows);
    }

    /// <summary>Writes the head's W_out and b_out into <paramref name="head"/>.</summary>
    public static void CopyHead(ModelWeights weights, Linear head)
    {
        var shape = weights.Shape;
        int outputs = shape.HeadOutputSize;
        int offset = shape.ParameterCount - (outputs * shape.HiddenSize) - outputs;
        offset = CopyBlock(weights, offset, head.weight!, outputs, shape.HiddenSize);
        CopyBlock(weights, offset, head.bias!, outputs);
    }

    /// <summary>A float32 tensor of the given shape holding a copy of <paramref name="values"/>.</summary>
    public static Tensor FromSpan(ReadOnlySpan<float> values, params long[] dimensions) =>
        tensor(values.ToArray(), dimensions, ScalarType.Float32);

    private static int CopyBlock(ModelWeights weights, int offset, Parameter destination, params long[] dimensions)
    {
        long count = 1;
        foreach (long dimension in dimensions)
        {
            count *= dimension;
        }

        if (!destination.shape.SequenceEqual(dimensions))
        {
            throw new InvalidOperationException(
                $"libtorch parameter has shape [{string.Join(", ", destination.shape)}], expected [{string.Join(", ", dimensions)}].");
        }

        using (no_grad())
        using (var source = FromSpan(weights.Parameters.Slice(offset, (int)count), dimensions))
        {
            destination.copy_(source);
        }

        return offset + (int)count;
    }
}
