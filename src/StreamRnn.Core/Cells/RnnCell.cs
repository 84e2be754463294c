using System.Numerics.Tensors;
using StreamRnn.Core.LinearAlgebra;
using StreamRnn.Core.Numerics;

namespace StreamRnn.Core.Cells;

/// <summary>
/// Elman RNN cell, forward (batched) and backward (one step) side by side.
/// </summary>
/// <remarks>
/// Forward:  <c>a = W_ih x + b_ih + W_hh h + b_hh;  h' = tanh(a)</c>.
/// Backward: <c>dA = dh' ⊙ (1 − h'²)</c>, then <see cref="LayerBackward"/> with dA_ih = dA_hh = dA.
/// Gate order in memory: a single block a (H). State per layer: h (H).
/// </remarks>
internal static unsafe class RnnCell
{
    /// <summary>
    /// Advances <paramref name="rows"/> rows: x (stride <paramref name="ldx"/>), the layer's state slice
    /// (stride <paramref name="ldState"/>) into <paramref name="newState"/> (stride <paramref name="ldNew"/>);
    /// <paramref name="gates"/> (stride <paramref name="ldg"/>) receives the pre-activations.
    /// </summary>
    public static void Forward(PackedLayer w, float* x, int ldx, float* state, int ldState, int rows, float* gates, int ldg,
        float* newState, int ldNew, bool fromLastPanel)
    {
        int hidden = w.HiddenSize;
        PackedGemm.Multiply(x, ldx, w.InputSize, state, ldState, hidden, rows, w.Main, gates, ldg, fromLastPanel);
        for (int r = 0; r < rows; r++)
        {
            // Row by row; Activations computes every element alike whatever the span, so batching cannot change a result.
            Activations.Tanh(new ReadOnlySpan<float>(gates + (nint)r * ldg, hidden), new Span<float>(newState + (nint)r * ldNew, hidden));
        }
    }

    /// <summary>
    /// One step back: <paramref name="hNew"/> is h' of the step, <paramref name="dh"/> the total ∂L/∂h'.
    /// Adds into the layer gradient, <paramref name="dx"/> and <paramref name="dhPrev"/> (either may be empty).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> layerParameters, Span<float> layerGradient, int inputSize,
        ReadOnlySpan<float> x, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> hNew, ReadOnlySpan<float> dh,
        Span<float> dA, Span<float> dx, Span<float> dhPrev)
    {
        int hidden = hNew.Length;
        for (int j = 0; j < hidden; j++)
        {
            float h = hNew[j];
            dA[j] = dh[j] * (1f - h * h);
        }

        LayerBackward.Accumulate(layerParameters, layerGradient, inputSize, hidden, dA, dA, x, hPrev, dx, dhPrev);
    }
}
