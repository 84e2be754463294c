using StreamRnn.Daemon.Backtest;

namespace StreamRnn.Tools.Calibration;

/// <summary>What <c>streamrnn-tools calibrate</c> was asked to do.</summary>
/// <param name="Replay">The replay of the labelled sessions, as backtest's options set it: the pipeline, the CSV, the
/// keys, the event column and value, --detection-grace, --key-replay, --passes (learning only) and --model (the start
/// weights); its OutputDirectory is calibrate's --out.</param>
/// <param name="Thresholds">The candidate alert thresholds, ascending, each in (0, 1).</param>
/// <param name="ClearRatio">ClearThreshold = ClearRatio × Threshold (rounded to 6 decimals), in (0, 1).</param>
/// <param name="CommandLine">The command line as given, for the report.</param>
/// <param name="PipelineModelFile">What pipeline.json's Model:File says (--model-file: where the daemon will find the
/// model, relative to its content root); null = the written model's absolute path.</param>
internal sealed record CalibrationSettings(
    BacktestSettings Replay,
    IReadOnlyList<double> Thresholds,
    double ClearRatio,
    string CommandLine,
    string? PipelineModelFile = null)
{
    /// <summary>calibrate's candidates without --thresholds: those of bench/bedexit/protocol.py.</summary>
    public static readonly IReadOnlyList<double> DefaultThresholds = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

    public const double DefaultClearRatio = 0.5;

    public const int DefaultPasses = 5;

    public const int DefaultDetectionGraceSeconds = 5;

    /// <summary>The ClearThreshold that goes with <paramref name="threshold"/>.</summary>
    public double ClearThresholdFor(double threshold) => Math.Round(ClearRatio * threshold, 6);
}
