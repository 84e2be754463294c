namespace StreamRnn.Engine.Training;

/// <summary>What one training round did, as published by <see cref="OnlineTrainer.Rounds"/>.</summary>
/// <param name="Round">1-based round number.</param>
/// <param name="Outcome">Promoted, rejected, skipped or failed.</param>
/// <param name="RejectionReason">One of <see cref="OnlineTrainer.RejectionReasons"/> when rejected, else null.</param>
/// <param name="WindowsTrained">Windows consumed by optimiser steps in this round.</param>
/// <param name="Steps">Optimiser steps taken.</param>
/// <param name="TrainingLoss">Mean loss over the trained windows (before each step), NaN if none.</param>
/// <param name="CandidateLoss">The candidate's mean held-back loss, NaN if not validated.</param>
/// <param name="ChampionLoss">The champion's mean held-back loss, NaN if not validated.</param>
/// <param name="ChampionVersion">The champion's version after the round.</param>
/// <param name="Elapsed">Wall time of the round.</param>
/// <param name="Error">The exception of a failed round.</param>
public sealed record TrainingRoundResult(
    long Round,
    RoundOutcome Outcome,
    string? RejectionReason,
    int WindowsTrained,
    int Steps,
    double TrainingLoss,
    double CandidateLoss,
    double ChampionLoss,
    long ChampionVersion,
    TimeSpan Elapsed,
    Exception? Error = null);
