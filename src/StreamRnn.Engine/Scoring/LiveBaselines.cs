using Prometheus;
using StreamRnn.Core;
using StreamRnn.Core.Numerics;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Metrics;

namespace StreamRnn.Engine.Scoring;

/// <summary>
/// The daemon's strong baselines, kept per key beside the runtime and scored on exactly the forecasts the model is
/// scored on: "ar" (online AR(p) by recursive least squares, direct h-step) and with a season "seasonal_naive".
/// Regression heads only. The same definitions as <c>streamrnn backtest</c>'s ar and seasonal_naive, so a backtest's
/// engine summary and its report agree.
/// </summary>
/// <remarks>
/// <para>Units: y_j is the key's target at step j (what the forecast made at step j − h is scored against). ar:
/// Raw target ŷ_{j+h} = y_j + wᵀr_j, r_j = (1, y_j − c, y_j − y_{j−1}, …, y_{j−p+2} − y_{j−p+1}) with c the key's first
/// target; change targets ŷ_{j+h} = wᵀ(1, y_j, …, y_{j−p+1}); w fitted on the pairs known by step j (prior 10⁴·I,
/// forgetting λ, bounded trace; lags and targets divided by the RMS s of the key's first pair); persistence (y_j for Raw, else 0) until 2(p + 1) pairs. seasonal_naive: y_{j+h−kS},
/// k = ⌈h / S⌉, persistence before a season of history.</para>
/// <para>State: a side table indexed by the key's slot, grown with the store (never on the hot path otherwise):
/// per slot [c, pairs, s, RLS state, ring of the last R = max(h + p, S) targets, pending ar and seasonal forecasts (h
/// each)] and the last step applied. A slot whose step does not follow the last one applied (a new key in a reused
/// slot, a key restored from the changelog) starts afresh: the baselines are not persisted and relearn after a restart.</para>
/// </remarks>
internal sealed class LiveBaselines
{
    private const double PriorVariance = 1e4;
    private const int Origin = 0, Pairs = 1, ScaleAt = 2, Rls = 3;

    private readonly int _order, _regressors, _horizon, _season, _ring, _width, _ringStart, _pendingStart;
    private readonly bool _levels;
    private readonly double _forgetting, _traceLimit;
    private readonly string[] _names;
    private readonly Counter.Child[]? _absolute, _squared;
    private Counter.Child?[]? _horizonAbsolute, _horizonSquared;
    private readonly long[] _scored;
    private readonly double[] _absoluteSums, _squaredSums;
    private readonly double[] _x;
    private double[] _side = [];
    private long[] _lastStep = [];

    private LiveBaselines(BaselineOptions options, TargetTransform transform, int horizon, Counter? errors, string pipeline)
    {
        _order = options.ArOrder;
        _regressors = _order + 1;
        _forgetting = options.ArForgetting;
        _traceLimit = PriorVariance * _regressors;
        _horizon = horizon;
        _season = options.Season;
        _levels = transform == TargetTransform.Raw;
        _ring = Math.Max(_horizon + _order, _season);
        int rls = _order > 0 ? RecursiveLeastSquares.StateLength(_regressors) : 0;
        _ringStart = Rls + rls;
        _pendingStart = _ringStart + _ring;
        _width = _pendingStart + 2 * _horizon;
        _x = new double[Math.Max(1, _regressors)];
        var names = new List<string>();
        if (_order > 0)
        {
            names.Add("ar");
        }

        if (_season > 0)
        {
            names.Add("seasonal_naive");
        }

        _names = [.. names];
        _scored = new long[_names.Length];
        _absoluteSums = new double[_names.Length];
        _squaredSums = new double[_names.Length];
        if (errors is not null)
        {
            _absolute = [.. _names.Select(n => errors.WithLabels(pipeline, n, "abs"))];
            _squared = [.. _names.Select(n => errors.WithLabels(pipeline, n, "squared"))];
        }
    }

    /// <summary>The live baselines of a pipeline, or null (Binary head, or none configured).</summary>
    public static LiveBaselines? Create(PipelineDefinition definition, StreamRnnMetrics? metrics)
    {
        var options = definition.Baselines;
        if (definition.Model.Head.IsClassifier() || definition.Target.IsEventLabel || (options.ArOrder == 0 && options.Season == 0))
        {
            return null;
        }

        return new LiveBaselines(options, definition.Target.Transform, definition.Target.Horizon, metrics?.PrequentialError, definition.Name);
    }

    /// <summary>
    /// The live baselines of horizon <paramref name="horizon"/> of Target:Horizons (fed that horizon's targets y_k), counted
    /// only in <paramref name="counters"/>; null where <see cref="Create"/> gives null.
    /// </summary>
    public static LiveBaselines? ForHorizon(PipelineDefinition definition, int horizon, HorizonErrorCounters? counters)
    {
        var options = definition.Baselines;
        if (definition.Model.Head.IsClassifier() || definition.Target.IsEventLabel || (options.ArOrder == 0 && options.Season == 0))
        {
            return null;
        }

        var baselines = new LiveBaselines(options, definition.Target.Transform, horizon, null, definition.Name);
        baselines.CountHorizon(counters);
        return baselines;
    }

    /// <summary>Also counts every score into the per-horizon series of <paramref name="counters"/> (null = not).</summary>
    public void CountHorizon(HorizonErrorCounters? counters)
    {
        if (counters is not null)
        {
            _horizonAbsolute = [.. _names.Select(counters.StrongAbsolute)];
            _horizonSquared = [.. _names.Select(counters.StrongSquared)];
        }
    }

    /// <summary>The forecaster labels, in summary order.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Doubles kept per key.</summary>
    public int DoublesPerKey => _width;

    /// <summary>
    /// Step <paramref name="step"/> (1-based) of the key in <paramref name="slot"/> brought target <paramref name="y"/>:
    /// scores the forecasts made h steps ago when <paramref name="due"/> (the model's was scored), updates the AR, and
    /// makes the forecasts for step + h.
    /// </summary>
    public void Step(int slot, long step, double y, bool due)
    {
        var side = Slot(slot, step);
        var ring = side.Slice(_ringStart, _ring);
        var pending = side.Slice(_pendingStart, 2 * _horizon);
        int at = (int)(step % _horizon);
        if (due && double.IsFinite(y))
        {
            int f = 0;
            if (_order > 0)
            {
                Score(f++, y, pending[at]);
            }

            if (_season > 0)
            {
                Score(f, y, pending[_horizon + at]);
            }
        }

        ring[(int)(step % _ring)] = y;
        if (double.IsNaN(side[Origin]) && double.IsFinite(y))
        {
            side[Origin] = y;
        }

        double persistence = _levels ? y : 0;
        if (_order > 0)
        {
            var state = side.Slice(Rls, _ringStart - Rls);
            long origin = step - _horizon;
            if (origin >= 1 && double.IsFinite(y) && Regressors(ring, origin, step, side[Origin]))
            {
                double target = _levels ? y - Value(ring, origin) : y;
                if (double.IsNaN(side[ScaleAt]))
                {
                    side[ScaleAt] = AutoregressiveScale.Of(_x, target);
                }

                double scale = side[ScaleAt];
                if (!double.IsNaN(scale) && RecursiveLeastSquares.Update(state, Scaled(scale), target / scale, _forgetting, _traceLimit))
                {
                    side[Pairs]++;
                }
            }

            pending[at] = side[Pairs] >= 2 * _regressors && Regressors(ring, step, step, side[Origin])
                ? (_levels ? y : 0) + side[ScaleAt] * RecursiveLeastSquares.Predict(state, Scaled(side[ScaleAt]))
                : persistence;
        }

        if (_season > 0)
        {
            long back = step + _horizon - (_horizon + _season - 1) / _season * _season;
            double seasonal = back >= 1 && back > step - _ring ? Value(ring, back) : double.NaN;
            pending[_horizon + at] = double.IsFinite(seasonal) ? seasonal : persistence;
        }

        _lastStep[slot] = step;
    }

    /// <summary>Accuracy of each baseline so far.</summary>
    public IReadOnlyList<BaselineAccuracy> Summary()
    {
        var list = new BaselineAccuracy[_names.Length];
        for (int f = 0; f < list.Length; f++)
        {
            double n = _scored[f];
            list[f] = new BaselineAccuracy(_names[f], _scored[f], _absoluteSums[f] / n, Math.Sqrt(_squaredSums[f] / n));
        }

        return list;
    }

    private void Score(int f, double y, double forecast)
    {
        if (!double.IsFinite(forecast))
        {
            return;
        }

        double error = y - forecast, absolute = Math.Abs(error), squared = error * error;
        _scored[f]++;
        _absoluteSums[f] += absolute;
        _squaredSums[f] += squared;
        _absolute?[f].Inc(absolute);
        _squared?[f].Inc(squared);
        _horizonAbsolute?[f]?.Inc(absolute);
        _horizonSquared?[f]?.Inc(squared);
    }

    /// <summary>The slot's side state, reset when this step does not follow the last one applied to the slot.</summary>
    private Span<double> Slot(int slot, long step)
    {
        if (slot >= _lastStep.Length)
        {
            int capacity = Math.Max(slot + 1, _lastStep.Length * 2);
            Array.Resize(ref _lastStep, capacity);
            Array.Resize(ref _side, capacity * _width);
        }

        var side = _side.AsSpan(slot * _width, _width);
        if (_lastStep[slot] != step - 1 || step == 1)
        {
            side.Fill(double.NaN);
            side[Pairs] = 0;
            if (_order > 0)
            {
                RecursiveLeastSquares.Initialize(side.Slice(Rls, _ringStart - Rls), _regressors, PriorVariance);
            }
        }

        return side;
    }

    /// <summary>_x with every regressor but the intercept divided by the key's scale.</summary>
    private double[] Scaled(double scale)
    {
        AutoregressiveScale.Apply(_x, scale);
        return _x;
    }

    private static double Value(ReadOnlySpan<double> ring, long step) => ring[(int)(step % ring.Length)];

    /// <summary>The regressors at forecast origin t into _x (false when a target they need is missing or gone).</summary>
    private bool Regressors(ReadOnlySpan<double> ring, long t, long now, double origin)
    {
        if (t - _order + 1 < 1 || t - _order + 1 <= now - _ring)
        {
            return false;
        }

        _x[0] = 1;
        if (_levels)
        {
            _x[1] = Value(ring, t) - origin;
            for (int i = 2; i <= _order; i++)
            {
                _x[i] = Value(ring, t - i + 2) - Value(ring, t - i + 1);
            }
        }
        else
        {
            for (int i = 1; i <= _order; i++)
            {
                _x[i] = Value(ring, t - i + 1);
            }
        }

        for (int i = 0; i < _regressors; i++)
        {
            if (!double.IsFinite(_x[i]))
            {
                return false;
            }
        }

        return true;
    }
}
