using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Forecasting;
using StreamRnn.Engine.Output;
using StreamRnn.Engine.State;

namespace StreamRnn.Engine.Runtime;

/// <summary>Read-only copies of the key state for the HTTP queries and the tests (call on the runtime's thread).</summary>
/// <remarks>A Categorical head's summary carries the class probabilities of the key's next step (<see cref="QueryKey"/>).</remarks>
internal sealed class KeyStateInspector(KeyStateStore store, LinearCombiner? linear, PipelineDefinition definition)
{
    private readonly KeyStateStore _store = store;
    private readonly LinearCombiner? _linear = linear;
    private readonly TargetOptions _target = definition.Target;
    private readonly bool _categorical = definition.Model.Head == HeadKind.Categorical;

    /// <summary>Keys held for one input partition (the restore log reports this, not the total).</summary>
    public int KeyCountOf(int partition)
    {
        int count = 0;
        for (int slot = 0; slot < _store.HighWater; slot++)
        {
            if (_store.IsUsed(slot) && _store.Partition[slot] == partition)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// A copy of one key's state (class probabilities under <paramref name="weights"/>, the current model), or null if the
    /// key is not held. Not thread-safe: call on the owning thread.
    /// </summary>
    public KeySummary? QueryKey(string key, ModelWeights weights)
    {
        ArgumentNullException.ThrowIfNull(key);
        int slot = _store.Find(key);
        if (slot < 0)
        {
            return null;
        }

        double mean = _store.LastMean[slot], spread = _store.LastSpread[slot];
        return new KeySummary(
            key,
            _store.Partition[slot],
            _store.LastOffset[slot],
            DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(_store.LastEventTime[slot], 0, 253_402_300_799_999)),
            _store.Steps[slot],
            double.IsNaN(mean) ? null : mean,
            double.IsNaN(spread) ? null : spread,
            _store.LastModelVersion[slot],
            _store.State(slot).ToArray(),
            _categorical ? ClassProbabilities.Query(_target, weights, _store.State(slot)) : null)
        {
            Linear = _linear is null ? null : LinearSummary(_linear, _store.LinearOf(slot)),
        };
    }

    private static LinearPathSummary LinearSummary(LinearCombiner linear, ReadOnlySpan<double> state)
    {
        Span<double> weights = stackalloc double[ForecastGuard.Candidates];
        Span<double> losses = stackalloc double[ForecastGuard.Candidates];
        linear.GuardWeights(state, weights, losses);
        var w = new Dictionary<string, double>(StringComparer.Ordinal);
        var l = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < ForecastGuard.Candidates; i++)
        {
            if (linear.HasCandidate(i))
            {
                w[ForecastGuard.Names[i]] = weights[i];
                l[ForecastGuard.Names[i]] = losses[i];
            }
        }

        var (q80, q95) = linear.Multipliers(state);
        return new LinearPathSummary(w, l, q80, q95);
    }

    /// <summary>A copy of the recurrent state of a key (tests compare these bit for bit).</summary>
    public float[]? StateOf(string key) => _store.Find(key) is var slot and >= 0 ? _store.State(slot).ToArray() : null;

    /// <summary>A copy of a key's linear-path state (empty without one; null for an unknown key).</summary>
    public double[]? LinearStateOf(string key) => _store.Find(key) is var slot and >= 0 ? _store.LinearOf(slot).ToArray() : null;

    /// <summary>Every key with its state and statistics, for bit-for-bit comparisons in tests.</summary>
    public IEnumerable<(string Key, float[] State, double[] Statistics, double[] Previous, double[] Pending, long Offset, long Steps,
        float[] WindowFloats, double[] WindowDoubles, int WindowFill)> Dump()
    {
        for (int slot = 0; slot < _store.HighWater; slot++)
        {
            if (_store.IsUsed(slot))
            {
                yield return (_store.Keys[slot]!, _store.State(slot).ToArray(), _store.StatisticsOf(slot).ToArray(),
                    _store.PreviousOf(slot).ToArray(), _store.PendingOf(slot).ToArray(), _store.LastOffset[slot], _store.Steps[slot],
                    _store.WindowFloatsOf(slot).ToArray(), _store.WindowDoublesOf(slot).ToArray(), _store.WindowFill[slot]);
            }
        }
    }
}
