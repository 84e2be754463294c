namespace StreamRnn.Engine.Alerts;

/// <summary>What an alert record announces; the JSON "state" field.</summary>
public enum AlertTransition
{
    /// <summary>"raised": the rule fired for the key.</summary>
    Raised = 0,

    /// <summary>"cleared": the key's raised alert ended.</summary>
    Cleared = 1,
}
