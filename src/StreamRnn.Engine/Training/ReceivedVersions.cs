namespace StreamRnn.Engine.Training;

/// <summary>
/// Versions published by other instances (from the model topic): Follow mode adopts the leader's at once; Merge mode
/// keeps the newest per instance (at most <see cref="OnlineTrainer.MaxReceivedInstances"/> instances) until the next
/// round takes them. Thread-safe.
/// </summary>
internal sealed class ReceivedVersions(TrainingOptions options, ModelRegistry registry, ModelMerger merger)
{
    private readonly TrainingOptions _options = options;
    private readonly ModelRegistry _registry = registry;
    private readonly ModelMerger _merger = merger;
    private readonly Lock _receivedGate = new();
    private readonly List<ModelContribution> _received = [];

    /// <summary>Merge mode: versions waiting for the next round.</summary>
    public int Pending
    {
        get
        {
            lock (_receivedGate)
            {
                return _received.Count;
            }
        }
    }

    /// <summary>Merge mode: everything kept so far (then forgotten), or null if nothing was received.</summary>
    public ModelContribution[]? TakeAll()
    {
        lock (_receivedGate)
        {
            if (_received.Count == 0)
            {
                return null;
            }

            ModelContribution[] received = [.. _received];
            _received.Clear();
            return received;
        }
    }

    public void Receive(ModelContribution contribution)
    {
        switch (_options.Mode)
        {
            case TrainingMode.Follow:
                var champion = _registry.Current;
                var adopted = _merger.Combine(new ModelContribution(_merger.InstanceId, champion, 0), [contribution], _registry.NextVersion);
                if (adopted is not null)
                {
                    _registry.TryPromote(adopted, ModelSource.Followed, champion);
                }

                break;

            case TrainingMode.Merge:
                lock (_receivedGate)
                {
                    // Bounded: only the newest version of each instance is averaged in, so only that one is kept, and
                    // at most MaxReceivedInstances instances (a flood of records cannot grow memory between rounds).
                    int index = _received.FindIndex(c => string.Equals(c.InstanceId, contribution.InstanceId, StringComparison.Ordinal));
                    if (index >= 0)
                    {
                        if (contribution.Weights.Version > _received[index].Weights.Version)
                        {
                            _received[index] = contribution;
                        }
                    }
                    else if (_received.Count < OnlineTrainer.MaxReceivedInstances)
                    {
                        _received.Add(contribution);
                    }
                }

                break;
        }
    }
}
