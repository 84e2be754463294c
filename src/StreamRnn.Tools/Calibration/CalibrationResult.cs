using StreamRnn.Daemon.Backtest;

namespace StreamRnn.Tools.Calibration;

/// <summary>One candidate threshold replayed over the calibration sessions: detection quality as backtest's
/// report.json alerts.detection_quality has it, and F1 = 2PR / (P + R) (an undefined P or R counts as 0).</summary>
internal sealed record CalibrationRow(
    double Threshold,
    double ClearThreshold,
    int Alerts,
    int TrueAlerts,
    int Events,
    int DetectedEvents,
    double Precision,
    double Recall,
    double F1,
    double FalseAlertsPerHour,
    double MonitoredHours);

/// <summary>What calibrate did: the learning replay, the per-threshold table, the choice and the files written.</summary>
/// <param name="Learning">The learning replay (its FinalWeights are model.srnn).</param>
/// <param name="Rows">One row per candidate, ascending thresholds.</param>
/// <param name="Chosen">The row with the best F1; ties go to the higher threshold.</param>
/// <param name="Sessions">The keys replayed, in order of first appearance.</param>
internal sealed record CalibrationResult(
    CalibrationSettings Settings,
    BacktestResult Learning,
    IReadOnlyList<CalibrationRow> Rows,
    CalibrationRow Chosen,
    IReadOnlyList<string> Sessions,
    string ModelPath,
    string PipelinePath);
