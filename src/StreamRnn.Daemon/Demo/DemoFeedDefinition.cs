namespace StreamRnn.Daemon.Demo;

/// <summary>One bundled file replayed into one pipeline's input topic.</summary>
/// <param name="Pipeline">The pipeline whose input topic receives the records.</param>
/// <param name="File">File name under DemoData/.</param>
/// <param name="KeyColumn">The column naming each series, or null for a file holding one series.</param>
/// <param name="FixedKey">The key of a single-series file (used when <paramref name="KeyColumn"/> is null).</param>
/// <param name="TimeColumn">The column holding each row's time.</param>
/// <param name="TimeFormat">How <paramref name="TimeColumn"/> is written.</param>
/// <param name="BasePace">Seconds of the data's own time played per wall-clock second at <c>Demo:Speed</c> = 1.</param>
internal sealed record DemoFeedDefinition(
    string Pipeline,
    string File,
    string? KeyColumn,
    string? FixedKey,
    string TimeColumn,
    DemoTimeFormat TimeFormat,
    double BasePace)
{
    /// <summary>The three feeds shipped with the daemon, one per demo pipeline in config/pipelines/.</summary>
    public static readonly IReadOnlyList<DemoFeedDefinition> Bundled =
    [
        new("stocks", "stocks_sp500_daily_5sym.csv", "symbol", null, "date", DemoTimeFormat.Date, BasePace: 86_400),
        new("machine-temperature", "nab_machine_temperature_system_failure.csv", null, "machine_temperature_system_failure",
            "timestamp", DemoTimeFormat.DateTime, BasePace: 300),
        new("bed-exit", "bed_exit_rfid_room1_4trials.csv", "trial_id", null, "time_s", DemoTimeFormat.Seconds, BasePace: 1),
    ];
}
