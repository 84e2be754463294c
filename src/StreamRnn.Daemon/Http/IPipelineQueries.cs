using StreamRnn.Engine.Runtime;

namespace StreamRnn.Daemon.Http;

/// <summary>
/// Questions about live pipeline state (read-only) and the one action that changes it (<see cref="RestorePreviousModel"/>,
/// behind <c>POST /pipelines/{name}/model/restore</c>), answered by whatever owns that state (the consumer loop
/// marshals each query onto its own thread between batches). Registered in DI by the loop's integration; until
/// one is registered, <c>/pipelines/{name}/keys/{key}</c>, <c>/model</c> and <c>/accuracy</c> answer 503.
/// </summary>
public interface IPipelineQueries
{
    /// <summary>The key's state, or null when this instance does not hold the key (unknown, or another instance's partition).</summary>
    Task<KeySummary?> QueryKeyAsync(string pipeline, string key, CancellationToken cancellation);

    /// <summary>The weights currently making the pipeline's predictions.</summary>
    Task<ModelSummary> QueryModelAsync(string pipeline, CancellationToken cancellation);

    /// <summary>Prequential accuracy of this instance's predictions since it started, model beside baseline.</summary>
    Task<AccuracySummary> QueryAccuracyAsync(string pipeline, CancellationToken cancellation);

    /// <summary>
    /// Goes back to the champion before the current one (an operator's undo of a bad promotion), or null when no earlier
    /// version is kept in memory (KeepVersions, since this start).
    /// </summary>
    ModelRestoreResponse? RestorePreviousModel(string pipeline);
}
