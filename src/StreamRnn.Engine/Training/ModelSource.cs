namespace StreamRnn.Engine.Training;

/// <summary>Where a champion version came from.</summary>
public enum ModelSource
{
    /// <summary>The weights the registry was created with (fresh initialisation or configuration).</summary>
    Initial = 0,

    /// <summary>Read back from the state directory at start.</summary>
    Loaded = 1,

    /// <summary>Trained by this instance and validated against the champion.</summary>
    Trained = 2,

    /// <summary>A windows-weighted average with other instances' versions, validated against the champion.</summary>
    Merged = 3,

    /// <summary>Adopted from the leader in Follow mode.</summary>
    Followed = 4,

    /// <summary>An earlier version re-issued by an operator's restore.</summary>
    Restored = 5,
}
