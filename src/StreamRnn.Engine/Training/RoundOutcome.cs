namespace StreamRnn.Engine.Training;

/// <summary>How a training round ended.</summary>
public enum RoundOutcome
{
    /// <summary>Not enough windows for a mini-batch (or training is not this instance's job): nothing to validate.</summary>
    Skipped = 0,

    /// <summary>The candidate validated and is the new champion.</summary>
    Promoted = 1,

    /// <summary>The candidate was discarded; <see cref="TrainingRoundResult.RejectionReason"/> says why.</summary>
    Rejected = 2,

    /// <summary>The round threw; the champion is unchanged and the trainer carries on with the next round.</summary>
    Failed = 3,
}
