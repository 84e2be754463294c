namespace StreamRnn.Daemon.Backtest;

/// <summary>What online training did during a backtest (all zero when Training:Enabled is false).</summary>
/// <param name="WindowsCompleted">Training windows the runtime completed.</param>
/// <param name="WindowsTrained">Windows consumed by optimiser steps.</param>
/// <param name="FirstVersion">Version of the weights the replay started with.</param>
/// <param name="LastVersion">Version in use at the end.</param>
internal sealed record TrainingSummary(
    bool Enabled,
    long Rounds,
    long Promoted,
    long Rejected,
    long Skipped,
    long Failed,
    long WindowsCompleted,
    long WindowsTrained,
    long FirstVersion,
    long LastVersion);
