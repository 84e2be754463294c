using System.Runtime.Intrinsics;

namespace StreamRnn.Core.Cells;

/// <summary>
/// The elementwise half of a cell's backward step for one row (one window): from ∂L/∂h' (and ∂L/∂c') to the gradients of
/// the gate pre-activations dA, vectorised over the hidden units; the batched backward pass runs it for every window of a
/// step before multiplying the B rows of dA by the weights as one matrix. The formulas are those of
/// <see cref="RnnCell"/>, <see cref="LstmCell"/> and <see cref="GruCell"/>.Backward; each element depends only on its
/// own operands (the tail runs the same arithmetic one lane at a time).
/// </summary>
internal static unsafe class GateGradients
{
    private const int Lanes = 8;

    /// <summary>RNN: dA = dh ⊙ (1 − h'²).</summary>
    public static void Rnn(int hidden, float* hNew, float* dh, float* dA)
    {
        var one = Vector256<float>.One;
        int j = 0;
        for (; j + Lanes <= hidden; j += Lanes)
        {
            var h = Vector256.Load(hNew + j);
            (Vector256.Load(dh + j) * (one - (h * h))).Store(dA + j);
        }

        for (; j < hidden; j++)
        {
            dA[j] = dh[j] * (1f - (hNew[j] * hNew[j]));
        }
    }

    /// <summary>LSTM: gates i, f, g, o and tanh(c') of the step, c of the step before; dc is ∂L/∂c' in, ∂L/∂c out.</summary>
    public static void Lstm(int hidden, float* gates, float* tanhC, float* cPrev, float* dh, float* dc, float* dA)
    {
        var one = Vector256<float>.One;
        int j = 0;
        for (; j + Lanes <= hidden; j += Lanes)
        {
            var i = Vector256.Load(gates + j);
            var f = Vector256.Load(gates + hidden + j);
            var g = Vector256.Load(gates + (2 * hidden) + j);
            var o = Vector256.Load(gates + (3 * hidden) + j);
            var t = Vector256.Load(tanhC + j);
            var d = Vector256.Load(dh + j);
            var dcj = Vector256.Load(dc + j) + (d * o * (one - (t * t)));
            (dcj * g * i * (one - i)).Store(dA + j);
            (dcj * Vector256.Load(cPrev + j) * f * (one - f)).Store(dA + hidden + j);
            (dcj * i * (one - (g * g))).Store(dA + (2 * hidden) + j);
            (d * t * o * (one - o)).Store(dA + (3 * hidden) + j);
            (dcj * f).Store(dc + j);
        }

        for (; j < hidden; j++)
        {
            float i = gates[j], f = gates[hidden + j], g = gates[(2 * hidden) + j], o = gates[(3 * hidden) + j];
            float t = tanhC[j], d = dh[j];
            float dcj = dc[j] + (d * o * (1f - (t * t)));
            dA[j] = dcj * g * i * (1f - i);
            dA[hidden + j] = dcj * cPrev[j] * f * (1f - f);
            dA[(2 * hidden) + j] = dcj * i * (1f - (g * g));
            dA[(3 * hidden) + j] = d * t * o * (1f - o);
            dc[j] = dcj * f;
        }
    }

    /// <summary>
    /// GRU: r, z at rz, n and gh_n of the step, h of the step before. Writes dA_ih and dA_hh (they differ in the n block,
    /// dA_hh,n = dA_n ⊙ r) and, unless <paramref name="dhPrev"/> is null, SETS dhPrev to the direct term dh ⊙ z.
    /// </summary>
    public static void Gru(int hidden, float* rz, float* n, float* ghn, float* hPrev, float* dh, float* dAih, float* dAhh, float* dhPrev)
    {
        var one = Vector256<float>.One;
        int j = 0;
        for (; j + Lanes <= hidden; j += Lanes)
        {
            var r = Vector256.Load(rz + j);
            var z = Vector256.Load(rz + hidden + j);
            var nj = Vector256.Load(n + j);
            var d = Vector256.Load(dh + j);
            var dAn = d * (one - z) * (one - (nj * nj));
            var dAz = d * (Vector256.Load(hPrev + j) - nj) * z * (one - z);
            var dAr = dAn * Vector256.Load(ghn + j) * r * (one - r);
            dAr.Store(dAih + j);
            dAz.Store(dAih + hidden + j);
            dAn.Store(dAih + (2 * hidden) + j);
            dAr.Store(dAhh + j);
            dAz.Store(dAhh + hidden + j);
            (dAn * r).Store(dAhh + (2 * hidden) + j);
            if (dhPrev != null)
            {
                (d * z).Store(dhPrev + j);
            }
        }

        for (; j < hidden; j++)
        {
            float r = rz[j], z = rz[hidden + j], nj = n[j], d = dh[j];
            float dAn = d * (1f - z) * (1f - (nj * nj));
            float dAz = d * (hPrev[j] - nj) * z * (1f - z);
            float dAr = dAn * ghn[j] * r * (1f - r);
            dAih[j] = dAr;
            dAih[hidden + j] = dAz;
            dAih[(2 * hidden) + j] = dAn;
            dAhh[j] = dAr;
            dAhh[hidden + j] = dAz;
            dAhh[(2 * hidden) + j] = dAn * r;
            if (dhPrev != null)
            {
                dhPrev[j] = d * z;
            }
        }
    }
}
