using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using StreamRnn.Core.LinearAlgebra;
using StreamRnn.Core.Numerics;

namespace StreamRnn.Core.Cells;

/// <summary>
/// LSTM cell (PyTorch convention), forward (batched) and backward (one step) side by side.
/// </summary>
/// <remarks>
/// Forward, with a = W_ih x + b_ih + W_hh h + b_hh split into four H-blocks in memory order i, f, g, o:
/// <code>
/// i = σ(a_i);  f = σ(a_f);  g = tanh(a_g);  o = σ(a_o)
/// c' = f ⊙ c + i ⊙ g;  h' = o ⊙ tanh(c')
/// </code>
/// Backward, from dh' (total ∂L/∂h') and dc' (∂L/∂c' from the next step):
/// <code>
/// dc  = dc' + dh' ⊙ o ⊙ (1 − tanh²(c'))
/// dA_o = dh' ⊙ tanh(c') ⊙ o(1 − o);  dA_i = dc ⊙ g ⊙ i(1 − i);  dA_f = dc ⊙ c ⊙ f(1 − f);  dA_g = dc ⊙ i ⊙ (1 − g²)
/// ∂L/∂c = dc ⊙ f
/// </code>
/// then <see cref="LayerBackward"/> with dA_ih = dA_hh = dA. State per layer: h (H), then c (H).
/// </remarks>
internal static unsafe class LstmCell
{
    /// <summary>
    /// Advances <paramref name="rows"/> rows. <paramref name="state"/> and <paramref name="newState"/> point at the
    /// layer's slice [h, c]; <paramref name="gates"/> receives the activated gates i, f, g, o and
    /// <paramref name="tanhC"/> (stride <paramref name="ldt"/>) receives tanh(c'), both kept for the backward pass.
    /// </summary>
    public static void Forward(PackedLayer w, float* x, int ldx, float* state, int ldState, int rows, float* gates, int ldg,
        float* newState, int ldNew, float* tanhC, int ldt, bool fromLastPanel)
    {
        int hidden = w.HiddenSize;
        PackedGemm.Multiply(x, ldx, w.InputSize, state, ldState, hidden, rows, w.Main, gates, ldg, fromLastPanel);
        const int Lanes = 8;
        if (Vector512.IsHardwareAccelerated && hidden % 16 == 0)
        {
            for (int r = 0; r < rows; r++)
            {
                float* g = gates + (nint)r * ldg;
                float* cPrev = state + (nint)r * ldState + hidden;
                float* hNew = newState + (nint)r * ldNew;
                float* t = tanhC + (nint)r * ldt;
                for (int j = 0; j < hidden; j += 16)
                {
                    ActivateAndUpdate(g + j, hidden, cPrev + j, hNew + j, hNew + hidden + j, t + j);
                }
            }

            return;
        }

        for (int r = 0; r < rows; r++)
        {
            float* g = gates + (nint)r * ldg;
            var ifBlock = new Span<float>(g, 2 * hidden);
            var gBlock = new Span<float>(g + 2 * hidden, hidden);
            var oBlock = new Span<float>(g + 3 * hidden, hidden);
            Activations.Sigmoid(ifBlock, ifBlock);
            Activations.Tanh(gBlock, gBlock);
            Activations.Sigmoid(oBlock, oBlock);

            float* cPrev = state + (nint)r * ldState + hidden;
            float* hNew = newState + (nint)r * ldNew;
            float* t = tanhC + (nint)r * ldt;
            int j = 0;
            for (; j + Lanes <= hidden; j += Lanes)
            {
                Update(g + j, hidden, cPrev + j, hNew + j, hNew + hidden + j, t + j);
            }

            if (j < hidden)
            {
                // The tail goes through the same vector code via a zero-padded copy, so an element's result depends on
                // its values only, never on H's remainder (the batched-equals-single guarantee needs that).
                int count = hidden - j;
                var buffer = default(TailBuffer);
                float* tail = (float*)&buffer;
                for (int lane = 0; lane < count; lane++)
                {
                    tail[lane] = g[j + lane];
                    tail[Lanes + lane] = g[hidden + j + lane];
                    tail[2 * Lanes + lane] = g[2 * hidden + j + lane];
                    tail[3 * Lanes + lane] = g[3 * hidden + j + lane];
                    tail[4 * Lanes + lane] = cPrev[j + lane];
                }

                Update(tail, Lanes, tail + 4 * Lanes, tail + 5 * Lanes, tail + 6 * Lanes, tail + 7 * Lanes);
                for (int lane = 0; lane < count; lane++)
                {
                    hNew[j + lane] = tail[5 * Lanes + lane];
                    hNew[hidden + j + lane] = tail[6 * Lanes + lane];
                    t[j + lane] = tail[7 * Lanes + lane];
                }
            }
        }
    }

    /// <summary>
    /// Eight lanes of the cell update from the activated gates, in one pass instead of four span-wide calls:
    /// c' = i·g + f·c (separately rounded products and sum, as TensorPrimitives.MultiplyAdd computed it before),
    /// tanh(c') and h' = o·tanh(c'). The gate activations stay span-wide loops: fused into this pass too, their
    /// constants and temporaries outgrow the sixteen vector registers and the JIT spills heavily (measured slower).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update(float* g, int hidden, float* cPrev, float* hNew, float* cNew, float* t)
    {
        var c = (Vector256.Load(g) * Vector256.Load(g + 2 * hidden)) + (Vector256.Load(g + hidden) * Vector256.Load(cPrev));
        c.Store(cNew);
        var tanh = Activations.Tanh(c);
        tanh.Store(t);
        (Vector256.Load(g + 3 * hidden) * tanh).Store(hNew);
    }

    /// <summary>
    /// Sixteen lanes of the whole elementwise part in one pass (the 32 AVX-512 registers hold what the sixteen AVX2
    /// ones could not): the gate activations, stored back for the backward pass, then the update as in
    /// <see cref="Update"/>. The same operations per element as the span-wide path, so the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ActivateAndUpdate(float* g, int hidden, float* cPrev, float* hNew, float* cNew, float* t)
    {
        var i = Activations.Sigmoid(Vector512.Load(g));
        var f = Activations.Sigmoid(Vector512.Load(g + hidden));
        var candidate = Activations.Tanh(Vector512.Load(g + 2 * hidden));
        var o = Activations.Sigmoid(Vector512.Load(g + 3 * hidden));
        i.Store(g);
        f.Store(g + hidden);
        candidate.Store(g + 2 * hidden);
        o.Store(g + 3 * hidden);
        var c = (i * candidate) + (f * Vector512.Load(cPrev));
        c.Store(cNew);
        var tanh = Activations.Tanh(c);
        tanh.Store(t);
        (o * tanh).Store(hNew);
    }

    [InlineArray(64)]
    private struct TailBuffer
    {
        private float _element;
    }

    /// <summary>
    /// One step back. <paramref name="gates"/> holds the activated i, f, g, o of the step, <paramref name="cPrev"/>
    /// the cell state before it and <paramref name="tanhC"/> tanh(c'). <paramref name="dc"/> holds ∂L/∂c' on entry and
    /// ∂L/∂c on return. Adds into the layer gradient, <paramref name="dx"/> and <paramref name="dhPrev"/>.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> layerParameters, Span<float> layerGradient, int inputSize,
        ReadOnlySpan<float> x, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> gates,
        ReadOnlySpan<float> tanhC, ReadOnlySpan<float> dh, Span<float> dc, Span<float> dA, Span<float> dx, Span<float> dhPrev)
    {
        int hidden = hPrev.Length;
        for (int j = 0; j < hidden; j++)
        {
            float i = gates[j], f = gates[hidden + j], g = gates[2 * hidden + j], o = gates[3 * hidden + j];
            float t = tanhC[j];
            float dcj = dc[j] + dh[j] * o * (1f - t * t);
            dA[j] = dcj * g * i * (1f - i);
            dA[hidden + j] = dcj * cPrev[j] * f * (1f - f);
            dA[2 * hidden + j] = dcj * i * (1f - g * g);
            dA[3 * hidden + j] = dh[j] * t * o * (1f - o);
            dc[j] = dcj * f;
        }

        LayerBackward.Accumulate(layerParameters, layerGradient, inputSize, hidden, dA, dA, x, hPrev, dx, dhPrev);
    }
}
