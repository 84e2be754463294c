using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using StreamRnn.Core.LinearAlgebra;
using StreamRnn.Core.Numerics;

namespace StreamRnn.Core.Cells;

/// <summary>
/// GRU cell (PyTorch convention), forward (batched) and backward (one step) side by side.
/// </summary>
/// <remarks>
/// Forward, gate order r, z, n in W_ih, W_hh, b_ih and b_hh:
/// <code>
/// r = σ(W_ir x + b_ir + W_hr h + b_hr);  z = σ(W_iz x + b_iz + W_hz h + b_hz)
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
/// h' = (1 − z) ⊙ n + z ⊙ h        (computed as n + z ⊙ (h − n))
/// </code>
/// Backward, from dh' (total ∂L/∂h'), with gh_n = W_hn h + b_hn:
/// <code>
/// dA_n = dh' ⊙ (1 − z) ⊙ (1 − n²);  dA_z = dh' ⊙ (h − n) ⊙ z(1 − z);  dA_r = dA_n ⊙ gh_n ⊙ r(1 − r)
/// dA_ih = [dA_r, dA_z, dA_n];  dA_hh = [dA_r, dA_z, dA_n ⊙ r];  ∂L/∂h = dh' ⊙ z + W_hhᵀ dA_hh
/// </code>
/// State per layer: h (H). Gate scratch row: [r z | n (over n_x) | gh_n], see <see cref="PackedLayer"/>.
/// </remarks>
internal static unsafe class GruCell
{
    /// <summary>
    /// Advances <paramref name="rows"/> rows. <paramref name="gates"/> receives r, z, n and gh_n (kept for the
    /// backward pass); <paramref name="scratch"/> (stride <paramref name="lds"/>, H floats a row) is a temporary.
    /// </summary>
    public static void Forward(PackedLayer w, float* x, int ldx, float* state, int ldState, int rows, float* gates, int ldg,
        float* newState, int ldNew, float* scratch, int lds, bool fromLastPanel)
    {
        int hidden = w.HiddenSize;
        PackedGemm.Multiply(x, ldx, w.InputSize, state, ldState, hidden, rows, w.Main, gates, ldg, fromLastPanel);
        PackedGemm.Multiply(x, ldx, w.InputSize, null, 0, 0, rows, w.InputN!, gates + w.InputNOffset, ldg, fromLastPanel);
        PackedGemm.Multiply(state, ldState, hidden, null, 0, 0, rows, w.HiddenN!, gates + w.HiddenNOffset, ldg, fromLastPanel);
        if (Vector512.IsHardwareAccelerated && hidden % 16 == 0)
        {
            for (int r = 0; r < rows; r++)
            {
                float* g = gates + (nint)r * ldg;
                float* h = state + (nint)r * ldState;
                float* hNew = newState + (nint)r * ldNew;
                for (int j = 0; j < hidden; j += 16)
                {
                    ActivateAndUpdate(g + j, hidden, g + w.InputNOffset + j, g + w.HiddenNOffset + j, h + j, hNew + j);
                }
            }

            return;
        }

        for (int r = 0; r < rows; r++)
        {
            float* g = gates + (nint)r * ldg;
            var rz = new Span<float>(g, 2 * hidden);
            var n = new Span<float>(g + w.InputNOffset, hidden);
            var ghn = new ReadOnlySpan<float>(g + w.HiddenNOffset, hidden);
            var h = new ReadOnlySpan<float>(state + (nint)r * ldState, hidden);
            var hNew = new Span<float>(newState + (nint)r * ldNew, hidden);
            var difference = new Span<float>(scratch + (nint)r * lds, hidden);
            Activations.Sigmoid(rz, rz);
            TensorPrimitives.MultiplyAdd(rz.Slice(0, hidden), ghn, n, n);
            Activations.Tanh(n, n);
            TensorPrimitives.Subtract(h, n, difference);
            TensorPrimitives.MultiplyAdd(rz.Slice(hidden, hidden), difference, n, hNew);
        }
    }

    /// <summary>
    /// Sixteen lanes of the elementwise part in one pass: r, z = σ(·) stored back, n = tanh(n_x + r·gh_n) stored over
    /// n_x, h' = z·(h − n) + n. The same operations per element as the span-wide path (products and sums rounded
    /// separately, as TensorPrimitives.MultiplyAdd does), so the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ActivateAndUpdate(float* rz, int hidden, float* n, float* ghn, float* h, float* hNew)
    {
        var r = Activations.Sigmoid(Vector512.Load(rz));
        var z = Activations.Sigmoid(Vector512.Load(rz + hidden));
        r.Store(rz);
        z.Store(rz + hidden);
        var candidate = Activations.Tanh((r * Vector512.Load(ghn)) + Vector512.Load(n));
        candidate.Store(n);
        ((z * (Vector512.Load(h) - candidate)) + candidate).Store(hNew);
    }

    /// <summary>
    /// One step back. <paramref name="rz"/> holds r and z, <paramref name="n"/> and <paramref name="ghn"/> the step's
    /// n and gh_n. Adds into the layer gradient, <paramref name="dx"/> and <paramref name="dhPrev"/> (the direct
    /// term dh' ⊙ z included).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> layerParameters, Span<float> layerGradient, int inputSize,
        ReadOnlySpan<float> x, ReadOnlySpan<float> hPrev, ReadOnlySpan<float> rz, ReadOnlySpan<float> n,
        ReadOnlySpan<float> ghn, ReadOnlySpan<float> dh, Span<float> dAih, Span<float> dAhh, Span<float> dx, Span<float> dhPrev)
    {
        int hidden = hPrev.Length;
        for (int j = 0; j < hidden; j++)
        {
            float r = rz[j], z = rz[hidden + j], nj = n[j], d = dh[j];
            float dAn = d * (1f - z) * (1f - nj * nj);
            float dAz = d * (hPrev[j] - nj) * z * (1f - z);
            float dAr = dAn * ghn[j] * r * (1f - r);
            dAih[j] = dAr;
            dAih[hidden + j] = dAz;
            dAih[2 * hidden + j] = dAn;
            dAhh[j] = dAr;
            dAhh[hidden + j] = dAz;
            dAhh[2 * hidden + j] = dAn * r;
            if (!dhPrev.IsEmpty)
            {
                dhPrev[j] += d * z;
            }
        }

        LayerBackward.Accumulate(layerParameters, layerGradient, inputSize, hidden, dAih, dAhh, x, hPrev, dx, dhPrev);
    }
}
