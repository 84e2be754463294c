using System.Numerics.Tensors;
using StreamRnn.Core.LinearAlgebra;

namespace StreamRnn.Core.Cells;

/// <summary>
/// The part of every cell's backward pass that only concerns the two affine maps of a layer.
/// </summary>
/// <remarks>
/// With a_ih = W_ih x + b_ih and a_hh = W_hh h + b_hh (G·H each) and upstream gradients dA_ih = ∂L/∂a_ih,
/// dA_hh = ∂L/∂a_hh:
/// <c>∂W_ih += dA_ih xᵀ;  ∂b_ih += dA_ih;  ∂W_hh += dA_hh hᵀ;  ∂b_hh += dA_hh;  dx += W_ihᵀ dA_ih;  dh += W_hhᵀ dA_hh</c>.
/// For RNN and LSTM dA_ih = dA_hh; GRU differs in the n block (dA_hh,n = dA_n ⊙ r).
/// </remarks>
internal static class LayerBackward
{
    /// <summary>
    /// Adds this step's contribution into <paramref name="layerGradient"/> and into <paramref name="dx"/> /
    /// <paramref name="dhPrev"/> (pass an empty span to skip one: the lowest layer needs no dx, the first step of a
    /// window no dhPrev, as gradients stop at the truncation boundary).
    /// </summary>
    public static void Accumulate(ReadOnlySpan<float> layerParameters, Span<float> layerGradient, int inputSize, int hidden,
        ReadOnlySpan<float> dAih, ReadOnlySpan<float> dAhh, ReadOnlySpan<float> x, ReadOnlySpan<float> hPrev,
        Span<float> dx, Span<float> dhPrev)
    {
        int gh = dAih.Length;
        var wIh = layerParameters.Slice(0, gh * inputSize);
        var wHh = layerParameters.Slice(gh * inputSize, gh * hidden);
        var gWih = layerGradient.Slice(0, gh * inputSize);
        var gWhh = layerGradient.Slice(gh * inputSize, gh * hidden);
        var gBih = layerGradient.Slice(gh * (inputSize + hidden), gh);
        var gBhh = layerGradient.Slice(gh * (inputSize + hidden) + gh, gh);

        TensorPrimitives.Add(gBih, dAih, gBih);
        TensorPrimitives.Add(gBhh, dAhh, gBhh);
        OuterProductKernels.Accumulate(wIh, dAih, x, inputSize, gWih, dx);
        OuterProductKernels.Accumulate(wHh, dAhh, hPrev, hidden, gWhh, dhPrev);
    }
}
