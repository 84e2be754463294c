namespace StreamRnn.Engine.Alerts;

/// <summary>Which probability an alert rule watches, given the Binary head's p = P(target = 1 at the horizon).</summary>
public enum WatchedProbability
{
    /// <summary>q = p: the alert is about the target becoming 1 (e.g. a target "left_bed").</summary>
    Target = 0,

    /// <summary>q = 1 − p: the alert is about the target becoming 0 (e.g. the target "in_bed" turning to 0 on a bed exit).</summary>
    Complement = 1,
}
