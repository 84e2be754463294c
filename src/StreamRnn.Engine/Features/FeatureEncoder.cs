using System.Globalization;
using StreamRnn.Core;

namespace StreamRnn.Engine;

/// <summary>
/// Turns a decoded record and its key's running statistics into the network input vector and the target,
/// updating the statistics and previous values only if the whole record is usable (so a rejected record
/// leaves the key untouched). Policy for a key's first record, when Difference and LogReturn have no previous
/// value: those inputs are 0, the step is applied (the state starts learning the level features), and no
/// prediction is emitted until the key has history.
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
        out EncodedTarget target, out DeadLetterReason reason, out string detail)
    {
        keyStatistics.CopyTo(_statistics);
        keyPrevious.CopyTo(_previous);
        double alpha = _layout.Alpha, floor = _layout.MinStandardDeviation;
        bool history = true;
        target = default;
        foreach (var feature in _layout.Features)
        {
            Span<float> input = inputs.Slice(feature.InputOffset, feature.Width);
            if (feature.Transform == FeatureTransform.OneHot)
            {
                input.Clear();
                input[decoded.CategoryIndices[feature.ValueIndex]] = 1;
                continue;
            }

            double x = decoded.Values[feature.ValueIndex];
            double u;
            switch (feature.Transform)
            {
                case FeatureTransform.Raw:
                    u = x;
                    break;
                case FeatureTransform.ZScore:
                    u = Standardise(feature.StatisticIndex, x);
                    break;
                default:
                    if (feature.Transform == FeatureTransform.LogReturn && !(x > 0))
                    {
                        return NotPositive(feature.Field, x, out reason, out detail);
                    }

                    ref double previous = ref _previous[feature.PreviousIndex];
                    if (double.IsNaN(previous))
                    {
                        u = 0;
                        history = false;
                    }
                    else
                    {
                        double change = feature.Transform == FeatureTransform.Difference ? x - previous : Math.Log(x / previous);
                        u = Standardise(feature.StatisticIndex, change);
                    }

                    previous = x;
                    break;
            }

            float value = (float)u;
            if (!float.IsFinite(value))
            {
                reason = DeadLetterReason.NonFiniteValue;
                detail = $"field '{feature.Field}': {x.ToString(CultureInfo.InvariantCulture)} gives a non-finite {feature.Transform} input";
                return false;
            }

            input[0] = value;
        }

        double raw = decoded.Values[_layout.TargetValueIndex];
        ref double previousTarget = ref _previous[_layout.TargetPreviousIndex];
        double y;
        if (_layout.Head == HeadKind.Binary)
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
                    return NotPositive(_layout.TargetField, raw, out reason, out detail);
                default:
                    y = double.IsNaN(previousTarget) ? double.NaN
                        : _layout.TargetTransform == TargetTransform.Difference ? raw - previousTarget : Math.Log(raw / previousTarget);
                    break;
            }
        }

        Span<double> statistic = _statistics.AsSpan(_layout.TargetStatisticIndex * RunningStatistics.Width, RunningStatistics.Width);
        if (double.IsNaN(y))
        {
            history = false;
        }
        else if (!double.IsFinite(y))
        {
            reason = DeadLetterReason.NonFiniteValue;
            detail = $"field '{_layout.TargetField}': {raw.ToString(CultureInfo.InvariantCulture)} gives a non-finite target";
            return false;
        }
        else
        {
            RunningStatistics.Update(statistic, y, alpha);
        }

        previousTarget = raw;
        target.Value = y;
        target.Raw = raw;
        target.Mean = RunningStatistics.Mean(statistic);
        target.StandardDeviation = RunningStatistics.StandardDeviation(statistic, floor);
        target.Baseline = _layout.Head == HeadKind.Binary ? target.Mean
            : _layout.TargetTransform == TargetTransform.Raw ? raw : 0;
        target.HasHistory = history;
        _statistics.CopyTo(keyStatistics);
        _previous.CopyTo(keyPrevious);
        reason = default;
        detail = "";
        return true;

        double Standardise(int index, double x)
        {
            Span<double> s = _statistics.AsSpan(index * RunningStatistics.Width, RunningStatistics.Width);
            RunningStatistics.Update(s, x, alpha);
            return RunningStatistics.Standardise(s, x, floor);
        }
    }

    private static bool NotPositive(string field, double x, out DeadLetterReason reason, out string detail)
    {
        reason = DeadLetterReason.NonFiniteValue;
        detail = $"field '{field}': LogReturn needs positive values, got {x.ToString(CultureInfo.InvariantCulture)}";
        return false;
    }
}
