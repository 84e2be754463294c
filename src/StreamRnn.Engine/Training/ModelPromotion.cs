using StreamRnn.Core;

namespace StreamRnn.Engine.Training;

/// <summary>A change of champion, as published by <see cref="ModelRegistry.Promotions"/>.</summary>
/// <param name="Weights">The new champion; <see cref="ModelWeights.Version"/> is its (new, monotonic) version.</param>
/// <param name="PreviousVersion">The champion it replaced.</param>
/// <param name="Source">Why it changed.</param>
/// <param name="OriginVersion">
/// The version the parameters were first issued under: the restored version for <see cref="ModelSource.Restored"/>,
/// the leader's number if it had to be renumbered for <see cref="ModelSource.Followed"/>, else the version itself.
/// </param>
/// <param name="WindowsTrained">Windows trained into this version since the previous one (0 if not trained here).</param>
/// <param name="ValidationLoss">Its mean loss on the held-back windows when validated, else NaN.</param>
/// <param name="ChampionLoss">The replaced champion's mean loss on the same windows, else NaN.</param>
public sealed record ModelPromotion(
    ModelWeights Weights,
    long PreviousVersion,
    ModelSource Source,
    long OriginVersion,
    long WindowsTrained,
    double ValidationLoss,
    double ChampionLoss)
{
    /// <summary>
    /// For <see cref="ModelSource.Merged"/>: what was averaged, the local champion first, each with the windows it
    /// weighed; empty otherwise.
    /// </summary>
    public IReadOnlyList<MergeInput> MergedFrom { get; init; } = [];
}
