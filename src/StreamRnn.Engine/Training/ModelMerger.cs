using StreamRnn.Core;

namespace StreamRnn.Engine.Training;

/// <summary>
/// Combines the local champion with versions received from other instances of the same pipeline: parameter
/// averaging weighted by windows trained (Merge) or adopting the leader's version (Follow). Pure: no state, no I/O;
/// the caller decides what to do with the result (validate and promote it, or adopt it).
/// </summary>
/// <remarks>
/// Weighted average over contributions i with n_i windows: θ = Σ n_i · θ_i / Σ n_i (in double, then rounded to
/// float). If every n_i is 0 <see cref="Average"/> uses the plain mean; <see cref="Combine"/> never gets there, since
/// it averages in only versions of other instances that carry windows (n_i &gt; 0).
/// </remarks>
public sealed class ModelMerger
{
    public ModelMerger(TrainingMode mode, string instanceId, string? leader = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown training mode.");
        }

        if (mode == TrainingMode.Follow && string.IsNullOrEmpty(leader))
        {
            throw new ArgumentException("Follow mode needs a leader.", nameof(leader));
        }

        Mode = mode;
        InstanceId = instanceId;
        Leader = leader;
    }

    public TrainingMode Mode { get; }
    public string InstanceId { get; }
    public string? Leader { get; }

    /// <summary>True when this instance trains: every mode but Follow on a non-leader.</summary>
    public bool Trains => Mode != TrainingMode.Follow || IsLeader;

    /// <summary>True when this instance is the configured leader.</summary>
    public bool IsLeader => string.Equals(InstanceId, Leader, StringComparison.Ordinal);

    /// <summary>
    /// What the local champion should become given what was received, or null for "keep it".
    /// Local: always null. Merge: the weighted average of the local contribution and the newest version of every
    /// other instance that carries windows trained (own echoes, versions of another shape and versions with no
    /// windows, such as another instance's merges, are ignored), numbered <paramref name="version"/>; null if nothing
    /// usable was received. Follow: the leader's newest version if it is newer than the local
    /// champion (never on the leader itself); versions of other instances are ignored.
    /// </summary>
    public ModelWeights? Combine(ModelContribution local, IReadOnlyList<ModelContribution> received, long version) =>
        Combine(local, received, version, out _);

    /// <summary>
    /// As <see cref="Combine(ModelContribution, IReadOnlyList{ModelContribution}, long)"/>, and says what went into the
    /// result: in Merge mode the averaged versions (the local one first), else the adopted one; empty for "keep it".
    /// </summary>
    public ModelWeights? Combine(ModelContribution local, IReadOnlyList<ModelContribution> received, long version,
        out IReadOnlyList<MergeInput> used)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(received);
        used = [];
        switch (Mode)
        {
            case TrainingMode.Merge:
                var newest = NewestPerInstance(local, received);
                if (newest.Count == 0)
                {
                    return null;
                }

                newest.Insert(0, local);
                used = [.. newest.Select(c => new MergeInput(c.InstanceId, c.Weights.Version, c.WindowsTrained))];
                return Average(newest, version);

            case TrainingMode.Follow:
                if (IsLeader)
                {
                    return null;
                }

                ModelWeights? adopted = null;
                foreach (var contribution in received)
                {
                    if (string.Equals(contribution.InstanceId, Leader, StringComparison.Ordinal)
                        && contribution.Weights.Shape == local.Weights.Shape
                        && contribution.Weights.Version > (adopted?.Version ?? local.Weights.Version))
                    {
                        adopted = contribution.Weights;
                    }
                }

                return adopted;

            default:
                return null;
        }
    }

    /// <summary>θ = Σ n_i · θ_i / Σ n_i over <paramref name="contributions"/> (all of one shape), numbered <paramref name="version"/>.</summary>
    public static ModelWeights Average(IReadOnlyList<ModelContribution> contributions, long version)
    {
        ArgumentNullException.ThrowIfNull(contributions);
        if (contributions.Count == 0)
        {
            throw new ArgumentException("Nothing to average.", nameof(contributions));
        }

        var shape = contributions[0].Weights.Shape;
        double total = 0;
        foreach (var contribution in contributions)
        {
            if (contribution.Weights.Shape != shape)
            {
                throw new ArgumentException(
                    $"Instance {contribution.InstanceId} has shape {contribution.Weights.Shape}, expected {shape}.", nameof(contributions));
            }

            if (contribution.WindowsTrained < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(contributions), contribution.WindowsTrained,
                    $"Instance {contribution.InstanceId} reports a negative window count.");
            }

            total += contribution.WindowsTrained;
        }

        // Σ n_i θ_i first, one division last: the formula as written, and bit-identical to computing it by hand.
        bool plainMean = total == 0;
        double[] sum = new double[shape.ParameterCount];
        foreach (var contribution in contributions)
        {
            double count = plainMean ? 1 : contribution.WindowsTrained;
            if (count == 0)
            {
                continue;
            }

            var parameters = contribution.Weights.Parameters;
            for (int p = 0; p < sum.Length; p++)
            {
                sum[p] += count * parameters[p];
            }
        }

        double divisor = plainMean ? contributions.Count : total;
        for (int p = 0; p < sum.Length; p++)
        {
            sum[p] /= divisor;
        }

        float[] averaged = new float[sum.Length];
        for (int p = 0; p < sum.Length; p++)
        {
            averaged[p] = (float)sum[p];
        }

        return ModelWeights.FromParameters(shape, averaged, version);
    }

    private List<ModelContribution> NewestPerInstance(ModelContribution local, IReadOnlyList<ModelContribution> received)
    {
        var newest = new List<ModelContribution>();
        foreach (var contribution in received)
        {
            // A version with no windows trained since its instance's last merge has weight 0: averaged in, it would
            // change nothing but still mint a "merged" copy of the local champion, and as the newest version of its
            // instance it would hide an older one that does carry that instance's training.
            if (string.Equals(contribution.InstanceId, InstanceId, StringComparison.Ordinal)
                || contribution.Weights.Shape != local.Weights.Shape
                || contribution.WindowsTrained <= 0)
            {
                continue;
            }

            int at = newest.FindIndex(c => string.Equals(c.InstanceId, contribution.InstanceId, StringComparison.Ordinal));
            if (at < 0)
            {
                newest.Add(contribution);
            }
            else if (contribution.Weights.Version > newest[at].Weights.Version)
            {
                newest[at] = contribution;
            }
        }

        return newest;
    }
}
