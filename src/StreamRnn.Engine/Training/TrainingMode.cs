namespace StreamRnn.Engine.Training;

/// <summary>How the instances sharing a pipeline share its weights.</summary>
public enum TrainingMode
{
    /// <summary>Each instance trains on its own partitions and ignores versions from other instances.</summary>
    Local = 0,

    /// <summary>
    /// Each instance trains and publishes; versions received from others are averaged with the local champion,
    /// weighted by the windows each was trained on, and the average is promoted only if it validates.
    /// </summary>
    Merge = 1,

    /// <summary>Only the configured leader trains; every other instance adopts the leader's versions.</summary>
    Follow = 2,
}
