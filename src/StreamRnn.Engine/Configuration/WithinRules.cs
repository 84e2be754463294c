namespace StreamRnn.Engine.Configuration;

/// <summary>Target:Within (an event label's window in event time), checked: each problem names its setting, never a value.</summary>
internal static class WithinRules
{
    /// <summary>The longest window: a day.</summary>
    public static readonly TimeSpan MaxWithin = TimeSpan.FromDays(1);

    public static IEnumerable<(string Setting, string Problem)> Check(TargetOptions? target)
    {
        if (target?.Within is not { } within)
        {
            yield break;
        }

        if (!target.IsEventLabel)
        {
            yield return ("Target:Within", "is for the Exit and OutWithin transforms only");
        }
        else if (within.TotalMilliseconds < 1 || within > MaxWithin)
        {
            yield return ("Target:Within", "must be at least 1 ms and at most a day");
        }
    }
}
