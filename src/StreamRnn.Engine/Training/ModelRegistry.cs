using System.Reactive.Linq;
using System.Reactive.Subjects;
using Prometheus;
using StreamRnn.Core;
using StreamRnn.Engine.Metrics;

namespace StreamRnn.Engine.Training;

/// <summary>
/// The champion weights of one pipeline and the versions it replaced. Inference reads <see cref="Current"/>
/// between batches (one volatile read, no lock); the trainer, the model-topic consumer and operators change it
/// through <see cref="TryPromote"/> and <see cref="Restore"/>, which are serialised by a lock that readers never take.
/// </summary>
/// <remarks>
/// Versions only grow: a version number is never issued twice, so a prediction's model_version and a file
/// model-&lt;version&gt;.srnn always name the same parameters. A promoted version at or below the highest issued one
/// is renumbered to the next; a restore re-issues the earlier parameters under a new number (so a restart, which
/// loads the highest version on disk, comes back with the restored weights, not the ones restored away from).
/// Versions are capped at <see cref="MaxVersion"/> (2^62), so issuing the next one can never overflow.
/// </remarks>
public sealed class ModelRegistry : IDisposable
{
    /// <summary>The highest version number a registry accepts or issues.</summary>
    public const long MaxVersion = 1L << 62;

    private readonly Lock _gate = new();
    private readonly List<ModelWeights> _history = [];
    private readonly Subject<ModelPromotion> _promotions = new();
    private readonly Gauge.Child? _versionMetric;
    private readonly Counter.Child? _promotionMetric;
    private ModelWeights _current;
    private long _latestVersion;
    private bool _disposed;

    /// <param name="initial">The first champion.</param>
    /// <param name="keepVersions">Champions kept for <see cref="Restore"/>, the current one included.</param>
    /// <param name="metrics">Optional: sets streamrnn_model_version and counts streamrnn_model_promotions_total.</param>
    public ModelRegistry(ModelWeights initial, int keepVersions = 5, PipelineMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepVersions, 1);
        if (initial.IsScratch)
        {
            throw new ArgumentException("Scratch weights change in place and cannot be a champion.", nameof(initial));
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(initial.Version, MaxVersion, nameof(initial));
        KeepVersions = keepVersions;
        _current = initial;
        _latestVersion = initial.Version;
        _history.Add(initial);
        _versionMetric = metrics?.ModelVersion;
        _promotionMetric = metrics?.ModelPromotions;
        _versionMetric?.Set(initial.Version);
    }

    /// <summary>The champion: the weights inference uses for its next batch.</summary>
    public ModelWeights Current => Volatile.Read(ref _current);

    public ModelShape Shape => Current.Shape;

    public int KeepVersions { get; }

    /// <summary>The highest version number issued so far.</summary>
    public long LatestVersion => Interlocked.Read(ref _latestVersion);

    /// <summary>The number the next promoted version will get unless it brings a higher one.</summary>
    public long NextVersion => Math.Min(LatestVersion, MaxVersion - 1) + 1;

    /// <summary>
    /// Every change of champion, in order, raised on the thread that made it (while holding the registry's lock,
    /// so observers see versions in order and must be quick: persist, count, publish).
    /// </summary>
    public IObservable<ModelPromotion> Promotions => _promotions.AsObservable();

    /// <summary>Versions of the kept champions, oldest first; the last is <see cref="Current"/>.</summary>
    public long[] HistoryVersions()
    {
        lock (_gate)
        {
            long[] versions = new long[_history.Count];
            for (int i = 0; i < versions.Length; i++)
            {
                versions[i] = _history[i].Version;
            }

            return versions;
        }
    }

    /// <summary>
    /// Makes <paramref name="candidate"/> the champion, unless <paramref name="expectedCurrent"/> is given and is no
    /// longer the champion (someone else promoted or restored meanwhile, so the candidate was validated against
    /// stale weights): then nothing changes and null is returned.
    /// </summary>
    public ModelPromotion? TryPromote(ModelWeights candidate, ModelSource source, ModelWeights? expectedCurrent = null,
        long windowsTrained = 0, double validationLoss = double.NaN, double championLoss = double.NaN,
        IReadOnlyList<MergeInput>? mergedFrom = null)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(candidate.Version, MaxVersion, nameof(candidate));
        if (candidate.IsScratch)
        {
            throw new ArgumentException("Scratch weights change in place and cannot be promoted; make a snapshot (ModelWeights.FromParameters).", nameof(candidate));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (candidate.Shape != _current.Shape)
            {
                throw new ArgumentException(
                    $"The candidate's shape {candidate.Shape} differs from the champion's {_current.Shape}.", nameof(candidate));
            }

            if (expectedCurrent is not null && !ReferenceEquals(expectedCurrent, _current))
            {
                return null;
            }

            long origin = candidate.Version;
            var weights = candidate.Version > _latestVersion
                ? candidate
                : ModelWeights.FromParameters(candidate.Shape, candidate.Parameters, IssueNext());
            return Install(weights, source, origin, windowsTrained, validationLoss, championLoss, mergedFrom);
        }
    }

    /// <summary>
    /// Goes back one version: the champion before the current one is re-issued under a new version number and the
    /// current one is forgotten. Returns null (and changes nothing) when no earlier version is kept.
    /// </summary>
    public ModelPromotion? Restore()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_history.Count < 2)
            {
                return null;
            }

            long version = IssueNext();
            _history.RemoveAt(_history.Count - 1);
            var previous = _history[^1];
            _history.RemoveAt(_history.Count - 1);
            var reissued = ModelWeights.FromParameters(previous.Shape, previous.Parameters, version);
            return Install(reissued, ModelSource.Restored, previous.Version, 0, double.NaN, double.NaN);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _promotions.OnCompleted();
            _promotions.Dispose();
        }
    }

    /// <summary>The next version number; throws rather than wrap when the cap is reached (2^62 promotions away).</summary>
    private long IssueNext()
    {
        long next = checked(_latestVersion + 1);
        return next <= MaxVersion
            ? next
            : throw new InvalidOperationException($"Model versions are exhausted: {MaxVersion} was issued.");
    }

    private ModelPromotion Install(ModelWeights weights, ModelSource source, long origin, long windowsTrained,
        double validationLoss, double championLoss, IReadOnlyList<MergeInput>? mergedFrom = null)
    {
        var promotion = new ModelPromotion(weights, _current.Version, source, origin, windowsTrained, validationLoss, championLoss)
        {
            MergedFrom = mergedFrom ?? [],
        };
        _history.Add(weights);
        if (_history.Count > KeepVersions)
        {
            _history.RemoveAt(0);
        }

        Interlocked.Exchange(ref _latestVersion, weights.Version);
        Volatile.Write(ref _current, weights);
        _versionMetric?.Set(weights.Version);
        if (source is ModelSource.Trained or ModelSource.Merged or ModelSource.Followed)
        {
            _promotionMetric?.Inc();
        }

        _promotions.OnNext(promotion);
        return promotion;
    }
}
