namespace StreamRnn.Daemon.Http;

/// <summary>What <c>POST /pipelines/{name}/model/restore</c> did.</summary>
/// <param name="Pipeline">The pipeline's name.</param>
/// <param name="Version">The new champion's version: the previous champion's parameters re-issued under a new number,
/// so versions only ever grow (the model store and the model topic keep both).</param>
/// <param name="RestoredVersion">The version whose parameters it carries.</param>
/// <param name="ReplacedVersion">The champion it replaced (forgotten by the registry).</param>
public sealed record ModelRestoreResponse(string Pipeline, long Version, long RestoredVersion, long ReplacedVersion);
