namespace StreamRnn.Engine.Configuration;

/// <summary>What happens to a record whose event time is older than its key's last applied event time.</summary>
public enum LateRecordPolicy
{
    /// <summary>Applied in offset order like any other record (counted as late).</summary>
    Apply = 0,
    /// <summary>Skipped without changing the key's state (counted as skipped, reason "late").</summary>
    Drop = 1,
}
