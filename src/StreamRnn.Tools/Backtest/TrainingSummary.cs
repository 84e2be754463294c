namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// What online training did during the scored pass of a backtest (all zero when Training:Enabled is false); with
/// --passes N, the N − 1 passes before it only trained, from <see cref="StartVersion"/> to <see cref="FirstVersion"/>.
/// </summary>
/// <param name="WindowsCompleted">Training windows the runtime completed.</param>
/// <param name="WindowsTrained">Windows consumed by optimiser steps.</param>
/// <param name="FirstVersion">Version of the weights the scored pass started with.</param>
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
    long LastVersion,
    int Passes = 1,
    long StartVersion = 0);
