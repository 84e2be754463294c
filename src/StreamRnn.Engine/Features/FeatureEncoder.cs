using System.Globalization;
using StreamRnn.Core;
using StreamRnn.Core.Numerics;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Decoding;
using StreamRnn.Engine.Records;

namespace StreamRnn.Engine.Features;

/// <summary>
/// Turns a decoded record and its key's running statistics into the network input vector and the target,
/// updating the statistics and previous values only if the whole record is usable (so a rejected record
/// leaves the key untouched). Policy for a key's first record, when Difference and LogReturn have no previous
/// value: those inputs are 0, the step is applied (the state starts learning the level features), and no
/// prediction is emitted until the key has history. LogRatio reads two fields of the same record and needs no history.
/// </summary>
internal sealed class FeatureEncoder
{
    private readonly FeatureLayout _layout;
    private readonly double[] _statistics;
    private readonly double[] _previous;

    public FeatureEncoder(FeatureLayout layout)
    {
        _layout = layout;
        _statistics = new double[layout.StatisticCount * RunningStatistics.Width];
        _previous = new double[layout.PreviousCount];
    }

    public bool TryEncode(RecordDecoder decoded, Span<double> keyStatistics, Span<double> keyPrevious, Span<float> inputs,
        out EncodedTarget target, out DeadLetterReason reason, out string detail) =>
        TryEncode(decoded, keyStatistics, keyPrevious, inputs, [], out target, out reason, out detail);

    /// <summary>
    /// As above; with Target:Horizons (K horizons) also writes, per horizon k, the triple (y_k, μ_k, σ_k) into
    /// <paramref name="horizonTargets"/> (3K doubles; empty for one horizon): y_k[t] = x[t] − x[t−h_k] for a Difference
    /// target (ln(x[t] / x[t−h_k]) for LogReturn, x[t] for Raw), NaN until the key has h_k earlier values, and the running
    /// statistics of y_k after including it. Horizon 0's triple equals the target's Value, Mean and StandardDeviation.
    /// </summary>
    public bool TryEncode(RecordDecoder decoded, Span<double> keyStatistics, Span<double> keyPrevious, Span<float> inputs,
        Span<double> horizonTargets, out EncodedTarget target, out DeadLetterReason reason, out string detail)
    {
        keyStatistics.CopyTo(_statistics);
        keyPrevious.CopyTo(_previous);
        double alpha = _layout.Alpha, floor = _layout.MinStandardDeviation;
        bool history = true;
        bool overflowed = false;
        target = default;
        foreach (var feature in _layout.Features)
        {
            var input = inputs.Slice(feature.InputOffset, feature.Width);
            if (feature.Transform == FeatureTransform.OneHot)
            {
                input.Clear();
                input[decoded.CategoryIndices[feature.ValueIndex]] = 1;
                continue;
            }

            if (feature.Transform == FeatureTransform.CategoryAge)
            {
                if (!CategoryAge.Encode(decoded.Values[feature.OverIndex], decoded.CategoryIndices[feature.ValueIndex],
                    _previous.AsSpan(feature.PreviousIndex, feature.Width), input))
                {
                    reason = DeadLetterReason.NonFiniteValue;
                    detail = $"field '{feature.Field}': its Time field gives a non-finite CategoryAge input";
                    return false;
                }

                continue;
            }

            double x = decoded.Values[feature.ValueIndex];
            if (feature.Transform == FeatureTransform.CategoryLast)
            {
                if (!double.IsFinite(x))
                {
                    reason = DeadLetterReason.NonFiniteValue;
                    detail = $"field '{feature.Field}': {x.ToString(CultureInfo.InvariantCulture)} gives a non-finite CategoryLast input";
                    return false;
                }

                var ofField = _statistics.AsSpan(feature.StatisticIndex * RunningStatistics.Width, RunningStatistics.Width);
                if (!RunningStatistics.Update(ofField, x, alpha))
                {
                    return Overflow(feature.Field, x, "CategoryLast", out reason, out detail);
                }

                CategoryLast.Encode(x, decoded.CategoryIndices[feature.ByIndex], ofField, floor,
                    _previous.AsSpan(feature.PreviousIndex, feature.Width), input);
                continue;
            }

            double u;
            switch (feature.Transform)
            {
                case FeatureTransform.Raw:
                    u = x;
                    break;
                case FeatureTransform.ZScore:
                    u = Standardise(feature.StatisticIndex, x);
                    break;
                case FeatureTransform.LogRatio:
                    double over = decoded.Values[feature.OverIndex];
                    if (!(x > 0) || !(over > 0))
                    {
                        return NotPositive(feature.Transform, x > 0 ? feature.Over : feature.Field, x > 0 ? over : x, out reason, out detail);
                    }

                    u = Standardise(feature.StatisticIndex, PortableMath.Log(x / over));
                    break;
                case FeatureTransform.Activity:
                    if (!Activity.Encode(x, decoded.Values[feature.OverIndex], feature.TimeConstant,
                        _previous.AsSpan(feature.PreviousIndex, Activity.MemoryWidth), out u))
                    {
                        reason = DeadLetterReason.NonFiniteValue;
                        detail = $"field '{feature.Field}': it or its Time field gives a non-finite Activity input";
                        return false;
                    }

                    break;
                case FeatureTransform.Gap:
                    ref double last = ref _previous[feature.PreviousIndex];
                    u = double.IsNaN(last) ? 0 : PortableMath.Log(1 + Math.Max(0, x - last));
                    last = x;
                    break;
                default:
                    if (feature.Transform == FeatureTransform.LogReturn && !(x > 0))
                    {
                        return NotPositive(FeatureTransform.LogReturn, feature.Field, x, out reason, out detail);
                    }

                    ref double previous = ref _previous[feature.PreviousIndex];
                    if (double.IsNaN(previous))
                    {
                        u = 0;
                        history = false;
                    }
                    else
                    {
                        double change = feature.Transform == FeatureTransform.Difference ? x - previous : PortableMath.Log(x / previous);
                        u = Standardise(feature.StatisticIndex, change);
                    }

                    previous = x;
                    break;
            }

            if (double.IsNaN(u) && overflowed)
            {
                return Overflow(feature.Field, x, feature.Transform.ToString(), out reason, out detail);
            }

            float value = (float)u;
            if (!float.IsFinite(value))
            {
                reason = DeadLetterReason.NonFiniteValue;
                detail = $"field '{feature.Field}': {x.ToString(CultureInfo.InvariantCulture)} gives a non-finite {feature.Transform} input";
                return false;
            }

            input[0] = value;
            if (feature.Lags > 0)
            {
                ShiftLags(_previous.AsSpan(feature.LagIndex, feature.Lags), value, input[1..]);
            }
        }

        bool category = _layout.TargetTransform == TargetTransform.Category;
        int targetClass = category ? decoded.CategoryIndices[_layout.TargetValueIndex] : -1;
        double raw = category ? targetClass : decoded.Values[_layout.TargetValueIndex];
        ref double previousTarget = ref _previous[_layout.TargetPreviousIndex];
        bool changeTarget = _layout.TargetTransform is TargetTransform.Difference or TargetTransform.LogReturn;
        // Difference and LogReturn targets are the change over the horizon, x[t] − x[t−h] (ln(x[t] / x[t−h])): the
        // forecast made at t of y[t+h] is the change from now to h steps ahead. Memory: x[t−1], …, x[t−h].
        double before = changeTarget && !_layout.TargetIsEventLabel ? _previous[_layout.TargetPreviousIndex + _layout.Horizon - 1] : double.NaN;
        double y;
        if (_layout.TargetIsEventLabel)
        {
            y = _layout.TargetWithinMs > 0
                ? TimedEventLabel.Resolve(_previous.AsSpan(_layout.TargetPreviousIndex, TimedEventLabel.Width(_layout.Horizon)), _layout.Horizon,
                    _layout.TargetWithinMs, _layout.TargetTransform == TargetTransform.Exit, raw == _layout.TargetOutValue, decoded.EventTimeUnixMs)
                : ResolveEventLabel(raw);
        }
        else if (category)
        {
            y = _layout.TargetPositive[targetClass] ? 1 : 0;
        }
        else if (_layout.Head == HeadKind.Binary)
        {
            if (raw is not (>= 0 and <= 1))
            {
                reason = DeadLetterReason.WrongType;
                detail = $"field '{_layout.TargetField}': {raw.ToString(CultureInfo.InvariantCulture)} is not a probability target (0 to 1) for a Binary head";
                return false;
            }

            y = raw;
        }
        else
        {
            switch (_layout.TargetTransform)
            {
                case TargetTransform.Raw:
                    y = raw;
                    break;
                case TargetTransform.LogReturn when !(raw > 0):
                    return NotPositive(FeatureTransform.LogReturn, _layout.TargetField, raw, out reason, out detail);
                default:
                    y = double.IsNaN(before) ? double.NaN
                        : _layout.TargetTransform == TargetTransform.Difference ? raw - before : PortableMath.Log(raw / before);
                    break;
            }
        }

        var statistic = _statistics.AsSpan(_layout.TargetStatisticIndex * RunningStatistics.Width, RunningStatistics.Width);
        if (double.IsNaN(y))
        {
            // An event label that resolves nothing yet (the key's first h steps) does not hold back predictions.
            history &= _layout.TargetIsEventLabel;
        }
        else if (!double.IsFinite(y))
        {
            reason = DeadLetterReason.NonFiniteValue;
            detail = $"field '{_layout.TargetField}': {raw.ToString(CultureInfo.InvariantCulture)} gives a non-finite target";
            return false;
        }
        else if (!RunningStatistics.Update(statistic, y, alpha))
        {
            return Overflow(_layout.TargetField, raw, "target", out reason, out detail);
        }

        if (!horizonTargets.IsEmpty && !TryEncodeHorizons(raw, y, changeTarget, alpha, floor, horizonTargets))
        {
            return Overflow(_layout.TargetField, raw, "target", out reason, out detail);
        }

        if (!_layout.TargetIsEventLabel)
        {
            if (changeTarget)
            {
                var memory = _previous.AsSpan(_layout.TargetPreviousIndex, _layout.MaxHorizon);
                for (int i = memory.Length - 1; i > 0; i--)
                {
                    memory[i] = memory[i - 1];
                }
            }

            previousTarget = raw;
        }

        target.Value = y;
        target.Raw = raw;
        target.Class = targetClass;
        target.Mean = RunningStatistics.Mean(statistic);
        target.StandardDeviation = RunningStatistics.StandardDeviation(statistic, floor);
        target.Baseline = !_layout.Head.IsClassifier() ? (_layout.TargetTransform == TargetTransform.Raw ? raw : 0)
            : statistic[0] > 0 ? target.Mean
            : 0.5; // no label known yet (an event label's first h steps): the uninformed rate, not a certain 0
        target.HasHistory = history;
        _statistics.CopyTo(keyStatistics);
        _previous.CopyTo(keyPrevious);
        reason = default;
        detail = "";
        return true;

        // NaN when the statistics would overflow (the record is then rejected as NonFiniteValue).
        double Standardise(int index, double x)
        {
            var s = _statistics.AsSpan(index * RunningStatistics.Width, RunningStatistics.Width);
            if (!RunningStatistics.Update(s, x, alpha))
            {
                overflowed = true;
                return double.NaN;
            }

            return RunningStatistics.Standardise(s, x, floor);
        }
    }

    /// <summary>
    /// The K horizons' targets and statistics (before the target memory shifts in x_t). Horizon 0 reuses y, whose
    /// statistics are already updated. False when a statistic would overflow.
    /// </summary>
    private bool TryEncodeHorizons(double raw, double y, bool changeTarget, double alpha, double floor, Span<double> horizonTargets)
    {
        int[] horizons = _layout.Horizons;
        for (int k = 0; k < horizons.Length; k++)
        {
            double yk = y;
            var statistic = _statistics.AsSpan(_layout.HorizonStatisticIndex[k] * RunningStatistics.Width, RunningStatistics.Width);
            if (k > 0)
            {
                double before = changeTarget ? _previous[_layout.TargetPreviousIndex + horizons[k] - 1] : double.NaN;
                yk = !changeTarget ? raw
                    : double.IsNaN(before) ? double.NaN
                    : _layout.TargetTransform == TargetTransform.Difference ? raw - before : PortableMath.Log(raw / before);
                if (!double.IsNaN(yk) && (!double.IsFinite(yk) || !RunningStatistics.Update(statistic, yk, alpha)))
                {
                    return false;
                }
            }

            horizonTargets[3 * k] = yk;
            // A horizon with no target yet has no scale: NaN (its forecast is left out until it has one).
            bool known = statistic[0] > 0;
            horizonTargets[3 * k + 1] = known ? RunningStatistics.Mean(statistic) : double.NaN;
            horizonTargets[3 * k + 2] = known ? RunningStatistics.StandardDeviation(statistic, floor) : double.NaN;
        }

        return true;
    }

    /// <summary>
    /// Takes in the state x_t of the key's t-th step and returns the event label of step t − h, which x_t completes
    /// (NaN while t ≤ h). Memory in the previous-value slab, NaN until first written: m[0] = t, m[1] = steps since the
    /// latest out step (NaN = never out), m[2 + (i mod h)] = in(i) for the last h steps i.
    /// </summary>
    /// <remarks>
    /// With s_t = steps since the latest out step at or before t (the latest out step is L = t − s_t):
    /// <c>Exit: y_{t−h} = in(t−h) ∧ L &gt; t−h = in(t−h) ∧ s_t &lt; h</c>;
    /// <c>OutWithin: y_{t−h} = L ≥ t−h = s_t ≤ h</c>. O(1) per step whatever h is.
    /// </remarks>
    private double ResolveEventLabel(double raw)
    {
        int h = _layout.Horizon;
        var memory = _previous.AsSpan(_layout.TargetPreviousIndex, FeatureLayout.EventLabelMemory + h);
        double t = double.IsNaN(memory[0]) ? 1 : memory[0] + 1;
        bool outNow = raw == _layout.TargetOutValue;
        double sinceOut = outNow ? 0 : memory[1] + 1;
        ref double inFlag = ref memory[FeatureLayout.EventLabelMemory + (int)(t % h)];
        double y = double.NaN;
        if (t > h)
        {
            bool label = _layout.TargetTransform == TargetTransform.Exit ? inFlag == 1 && sinceOut < h : sinceOut <= h;
            y = label ? 1 : 0;
        }

        inFlag = outNow ? 0 : 1;
        memory[0] = t;
        memory[1] = sinceOut;
        return y;
    }

    /// <summary>
    /// Writes the last p values (newest first; 0 where the key has none yet) into <paramref name="lagged"/>, then
    /// pushes <paramref name="value"/> as the newest. The memory is the key's previous-value slab, NaN until written.
    /// </summary>
    private static void ShiftLags(Span<double> memory, float value, Span<float> lagged)
    {
        for (int i = 0; i < memory.Length; i++)
        {
            lagged[i] = double.IsNaN(memory[i]) ? 0f : (float)memory[i];
        }

        for (int i = memory.Length - 1; i > 0; i--)
        {
            memory[i] = memory[i - 1];
        }

        memory[0] = value;
    }

    private static bool Overflow(string field, double x, string what, out DeadLetterReason reason, out string detail)
    {
        reason = DeadLetterReason.NonFiniteValue;
        detail = $"field '{field}': {x.ToString(CultureInfo.InvariantCulture)} would overflow the key's running {what} statistics; they are unchanged";
        return false;
    }

    private static bool NotPositive(FeatureTransform transform, string field, double x, out DeadLetterReason reason, out string detail)
    {
        reason = DeadLetterReason.NonFiniteValue;
        detail = $"field '{field}': {transform} needs positive values, got {x.ToString(CultureInfo.InvariantCulture)}";
        return false;
    }
}
