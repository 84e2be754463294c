using StreamRnn.Core;

namespace StreamRnn.Core.Tests.Reference;

/// <summary>
/// A plain double-precision implementation of the same network (same flat parameter layout), written independently
/// of the optimised float code with naive loops, used only by tests: its forward pass checks the float forward, its
/// backward pass is checked against finite differences and then serves as the reference for the float gradients.
/// </summary>
internal sealed class ReferenceNetwork(ModelShape shape, double[] parameters)
{
    private readonly int _hidden = shape.HiddenSize;
    private readonly int _gates = shape.GateCount * shape.HiddenSize;

    public ModelShape Shape => shape;

    public double[] Parameters => parameters;

    public static ReferenceNetwork From(ModelWeights weights)
    {
        double[] p = new double[weights.Parameters.Length];
        for (int i = 0; i < p.Length; i++)
        {
            p[i] = weights.Parameters[i];
        }

        return new ReferenceNetwork(weights.Shape, p);
    }

    /// <summary>One step: returns the new state; writes the head output (Gaussian log-variance clamped).</summary>
    public double[] Step(double[] state, double[] x, double[] head)
    {
        var cache = new StepCache[shape.Layers];
        double[] next = Forward(state, x, cache);
        Head(Top(next), x, head);
        if (shape.Head == HeadKind.Gaussian)
        {
            for (int k = shape.Horizons; k < head.Length; k++)
            {
                head[k] = Math.Clamp(head[k], HeadOutput.MinLogVariance, HeadOutput.MaxLogVariance);
            }
        }

        return next;
    }

    /// <summary>Weighted-sum loss over a window (k steps) from a start state.</summary>
    public double Loss(double[] startState, double[][] inputs, double[] targets, double[] weights)
    {
        double[] state = startState;
        double total = 0;
        var cache = new StepCache[shape.Layers];
        double[] head = new double[shape.HeadOutputSize];
        for (int t = 0; t < inputs.Length; t++)
        {
            state = Forward(state, inputs[t], cache);
            Head(Top(state), inputs[t], head);
            total += StepLoss(head, targets, t, weights[t], new double[head.Length]);
        }

        return total;
    }

    /// <summary>Loss and its analytic gradient (added into <paramref name="gradient"/>); nothing flows into the start state.</summary>
    public double LossAndGradient(double[] startState, double[][] inputs, double[] targets, double[] weights, double[] gradient)
    {
        int k = inputs.Length;
        int layers = shape.Layers;
        var caches = new StepCache[k][];
        double[][] heads = new double[k][];
        double[][] tops = new double[k][];
        double[] state = startState;
        double total = 0;
        double[][] dHead = new double[k][];
        for (int t = 0; t < k; t++)
        {
            caches[t] = new StepCache[layers];
            state = Forward(state, inputs[t], caches[t]);
            tops[t] = Top(state);
            heads[t] = new double[shape.HeadOutputSize];
            Head(tops[t], inputs[t], heads[t]);
            dHead[t] = new double[shape.HeadOutputSize];
            total += StepLoss(heads[t], targets, t, weights[t], dHead[t]);
        }

        double[][] dhNext = new double[layers][];
        double[][] dcNext = new double[layers][];
        for (int l = 0; l < layers; l++)
        {
            dhNext[l] = new double[_hidden];
            dcNext[l] = new double[_hidden];
        }

        int headOffset = shape.HeadParameterOffset;
        for (int t = k - 1; t >= 0; t--)
        {
            double[][] dh = new double[layers][];
            for (int l = 0; l < layers; l++)
            {
                dh[l] = (double[])dhNext[l].Clone();
            }

            for (int o = 0; o < shape.HeadOutputSize; o++)
            {
                for (int j = 0; j < _hidden; j++)
                {
                    gradient[headOffset + o * _hidden + j] += dHead[t][o] * tops[t][j];
                    dh[layers - 1][j] += dHead[t][o] * parameters[headOffset + o * _hidden + j];
                }

                gradient[headOffset + shape.HeadOutputSize * _hidden + o] += dHead[t][o];
                for (int a = 0; a < shape.HighwayInputs; a++)
                {
                    gradient[shape.HighwayParameterOffset + o * shape.HighwayInputs + a] += dHead[t][o] * inputs[t][shape.InputSize - shape.HighwayInputs + a];
                }
            }

            for (int l = layers - 1; l >= 0; l--)
            {
                var c = caches[t][l];
                int inputSize = shape.LayerInputSize(l);
                int offset = shape.LayerParameterOffset(l);
                double[] dAih = new double[_gates];
                double[] dAhh = new double[_gates];
                double[] dhPrev = new double[_hidden];
                double[] dcPrev = new double[_hidden];
                for (int j = 0; j < _hidden; j++)
                {
                    double d = dh[l][j];
                    switch (shape.Cell)
                    {
                        case CellKind.Rnn:
                            dAih[j] = dAhh[j] = d * (1 - c.HNew[j] * c.HNew[j]);
                            break;
                        case CellKind.Lstm:
                            {
                                double i = c.Act[j], f = c.Act[_hidden + j], g = c.Act[2 * _hidden + j], o = c.Act[3 * _hidden + j];
                                double tc = Math.Tanh(c.CNew[j]);
                                double dc = dcNext[l][j] + d * o * (1 - tc * tc);
                                dAih[j] = dc * g * i * (1 - i);
                                dAih[_hidden + j] = dc * c.CPrev[j] * f * (1 - f);
                                dAih[2 * _hidden + j] = dc * i * (1 - g * g);
                                dAih[3 * _hidden + j] = d * tc * o * (1 - o);
                                dcPrev[j] = dc * f;
                                break;
                            }

                        default:
                            {
                                double r = c.Act[j], z = c.Act[_hidden + j], n = c.Act[2 * _hidden + j];
                                double dn = d * (1 - z) * (1 - n * n);
                                dAih[j] = dn * c.Ghn[j] * r * (1 - r);
                                dAih[_hidden + j] = d * (c.HPrev[j] - n) * z * (1 - z);
                                dAih[2 * _hidden + j] = dn;
                                dAhh[j] = dAih[j];
                                dAhh[_hidden + j] = dAih[_hidden + j];
                                dAhh[2 * _hidden + j] = dn * r;
                                dhPrev[j] += d * z;
                                break;
                            }
                    }
                }

                if (shape.Cell != CellKind.Gru)
                {
                    Array.Copy(dAih, dAhh, _gates);
                }

                int wHh = offset + _gates * inputSize;
                int bIh = wHh + _gates * _hidden;
                int bHh = bIh + _gates;
                for (int j = 0; j < _gates; j++)
                {
                    for (int m = 0; m < inputSize; m++)
                    {
                        gradient[offset + j * inputSize + m] += dAih[j] * c.X[m];
                        if (l > 0)
                        {
                            dh[l - 1][m] += dAih[j] * parameters[offset + j * inputSize + m];
                        }
                    }

                    for (int m = 0; m < _hidden; m++)
                    {
                        gradient[wHh + j * _hidden + m] += dAhh[j] * c.HPrev[m];
                        dhPrev[m] += dAhh[j] * parameters[wHh + j * _hidden + m];
                    }

                    gradient[bIh + j] += dAih[j];
                    gradient[bHh + j] += dAhh[j];
                }

                dhNext[l] = dhPrev;
                dcNext[l] = dcPrev;
            }
        }

        return total;
    }

    /// <summary>
    /// Step t's loss: with one horizon the head's loss on targets[t]; with K &gt; 1 (targets holds K per step) the sum
    /// over horizons of the head's loss on its own outputs (Linear k; Gaussian k and K + k), a NaN target skipped.
    /// </summary>
    public double StepLoss(double[] head, double[] targets, int t, double weight, double[] dHead)
    {
        int horizons = shape.Horizons;
        if (horizons == 1)
        {
            return HeadLoss(head, targets[t], weight, dHead);
        }

        Array.Clear(dHead);
        double total = 0;
        bool gaussian = shape.Head == HeadKind.Gaussian;
        for (int k = 0; k < horizons; k++)
        {
            double y = targets[t * horizons + k];
            if (weight == 0 || double.IsNaN(y))
            {
                continue;
            }

            double[] one = gaussian ? [head[k], head[horizons + k]] : [head[k]];
            double[] dOne = new double[one.Length];
            total += SingleHorizon(one, y, weight, dOne);
            dHead[k] = dOne[0];
            if (gaussian)
            {
                dHead[horizons + k] = dOne[1];
            }
        }

        return total;
    }

    private double SingleHorizon(double[] head, double target, double weight, double[] dHead) =>
        new ReferenceNetwork(shape with { Horizons = 1 }, parameters).HeadLoss(head, target, weight, dHead);

    public double HeadLoss(double[] head, double target, double weight, double[] dHead)
    {
        if (weight == 0)
        {
            Array.Clear(dHead);
            return 0; // no target at this step (it may be NaN)
        }

        switch (shape.Head)
        {
            case HeadKind.Linear:
                {
                    double e = head[0] - target;
                    dHead[0] = 2 * weight * e;
                    return weight * e * e;
                }

            case HeadKind.Gaussian:
                {
                    double lv = Math.Clamp(head[1], HeadOutput.MinLogVariance, HeadOutput.MaxLogVariance);
                    double e = head[0] - target;
                    dHead[0] = weight * e * Math.Exp(-lv);
                    dHead[1] = head[1] > HeadOutput.MinLogVariance && head[1] < HeadOutput.MaxLogVariance
                        ? weight * 0.5 * (1 - e * e * Math.Exp(-lv)) : 0;
                    return weight * 0.5 * (lv + e * e * Math.Exp(-lv));
                }

            case HeadKind.Categorical:
                {
                    // Plain softmax cross-entropy in double, the textbook way (the logits of the tests are moderate).
                    int y = (int)target;
                    double sum = 0;
                    foreach (double z in head)
                    {
                        sum += Math.Exp(z);
                    }

                    for (int i = 0; i < head.Length; i++)
                    {
                        dHead[i] = weight * (Math.Exp(head[i]) / sum - (i == y ? 1 : 0));
                    }

                    return weight * -Math.Log(Math.Exp(head[y]) / sum);
                }

            default:
                {
                    double p = 1 / (1 + Math.Exp(-head[0]));
                    dHead[0] = weight * (p - target);
                    return weight * -(target * Math.Log(p) + (1 - target) * Math.Log(1 - p));
                }
        }
    }

    private double[] Top(double[] state)
    {
        int offset = (shape.Layers - 1) * shape.LayerStateSize;
        return state.AsSpan(offset, _hidden).ToArray();
    }

    private void Head(double[] h, double[] x, double[] head)
    {
        int offset = shape.HeadParameterOffset;
        int highway = shape.HighwayInputs;
        for (int o = 0; o < head.Length; o++)
        {
            double s = parameters[offset + head.Length * _hidden + o];
            for (int j = 0; j < _hidden; j++)
            {
                s += parameters[offset + o * _hidden + j] * h[j];
            }

            for (int a = 0; a < highway; a++)
            {
                s += parameters[shape.HighwayParameterOffset + o * highway + a] * x[shape.InputSize - highway + a];
            }

            head[o] = s;
        }
    }

    private double[] Forward(double[] state, double[] x, StepCache[] cache)
    {
        double[] next = new double[shape.StateSize];
        double[] input = x;
        for (int l = 0; l < shape.Layers; l++)
        {
            int inputSize = shape.LayerInputSize(l);
            int offset = shape.LayerParameterOffset(l);
            int stateOffset = l * shape.LayerStateSize;
            double[] hPrev = state.AsSpan(stateOffset, _hidden).ToArray();
            double[] cPrev = shape.Cell == CellKind.Lstm ? state.AsSpan(stateOffset + _hidden, _hidden).ToArray() : [];
            double[] aIh = new double[_gates];
            double[] aHh = new double[_gates];
            int wHh = offset + _gates * inputSize;
            int bIh = wHh + _gates * _hidden;
            int bHh = bIh + _gates;
            for (int j = 0; j < _gates; j++)
            {
                double s = parameters[bIh + j];
                for (int m = 0; m < inputSize; m++)
                {
                    s += parameters[offset + j * inputSize + m] * input[m];
                }

                aIh[j] = s;
                s = parameters[bHh + j];
                for (int m = 0; m < _hidden; m++)
                {
                    s += parameters[wHh + j * _hidden + m] * hPrev[m];
                }

                aHh[j] = s;
            }

            double[] act = new double[_gates];
            double[] hNew = new double[_hidden];
            double[] cNew = new double[_hidden];
            double[] ghn = new double[_hidden];
            for (int j = 0; j < _hidden; j++)
            {
                switch (shape.Cell)
                {
                    case CellKind.Rnn:
                        hNew[j] = Math.Tanh(aIh[j] + aHh[j]);
                        break;
                    case CellKind.Lstm:
                        act[j] = Sigmoid(aIh[j] + aHh[j]);
                        act[_hidden + j] = Sigmoid(aIh[_hidden + j] + aHh[_hidden + j]);
                        act[2 * _hidden + j] = Math.Tanh(aIh[2 * _hidden + j] + aHh[2 * _hidden + j]);
                        act[3 * _hidden + j] = Sigmoid(aIh[3 * _hidden + j] + aHh[3 * _hidden + j]);
                        cNew[j] = act[_hidden + j] * cPrev[j] + act[j] * act[2 * _hidden + j];
                        hNew[j] = act[3 * _hidden + j] * Math.Tanh(cNew[j]);
                        break;
                    default:
                        act[j] = Sigmoid(aIh[j] + aHh[j]);
                        act[_hidden + j] = Sigmoid(aIh[_hidden + j] + aHh[_hidden + j]);
                        ghn[j] = aHh[2 * _hidden + j];
                        act[2 * _hidden + j] = Math.Tanh(aIh[2 * _hidden + j] + act[j] * ghn[j]);
                        hNew[j] = (1 - act[_hidden + j]) * act[2 * _hidden + j] + act[_hidden + j] * hPrev[j];
                        break;
                }
            }

            cache[l] = new StepCache(input, hPrev, cPrev, act, hNew, cNew, ghn);
            hNew.CopyTo(next, stateOffset);
            if (shape.Cell == CellKind.Lstm)
            {
                cNew.CopyTo(next, stateOffset + _hidden);
            }

            input = hNew;
        }

        return next;
    }

    private static double Sigmoid(double a) => 1 / (1 + Math.Exp(-a));

    private sealed record StepCache(double[] X, double[] HPrev, double[] CPrev, double[] Act, double[] HNew, double[] CNew, double[] Ghn);
}
