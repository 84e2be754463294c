namespace StreamRnn.Engine.Configuration;

/// <summary>What happens to a record of a new key when the state store already holds MaxKeys keys.</summary>
public enum WhenFullPolicy
{
    /// <summary>The least recently seen key is removed (with a tombstone) to make room.</summary>
    EvictLeastRecent = 0,
    /// <summary>The record goes to the dead-letter topic with reason StateFull.</summary>
    DeadLetter = 1,
}
