using StreamRnn.Core;

namespace StreamRnn.Daemon.Training;

/// <summary>What <see cref="HistoryTrainer"/> produced.</summary>
/// <param name="Model">The weights of the best epoch by validation loss (the starting weights if none beat them).</param>
/// <param name="Epochs">Epoch 0 (the starting model) and every epoch run.</param>
/// <param name="BestEpoch">The epoch <paramref name="Model"/> comes from.</param>
/// <param name="StopReason">Why training stopped: "epochs", "patience" or "non-finite".</param>
/// <param name="Rows">Rows replayed.</param>
/// <param name="ValidationStartRow">The first validation row (rows are in event-time order).</param>
/// <param name="TrainingWindows">Windows completed before the cut.</param>
/// <param name="ValidationWindows">Windows completed after it.</param>
/// <param name="Baselines">Simple forecasters' validation losses.</param>
/// <param name="LearningRate">The schedule's peak learning rate.</param>
/// <param name="BatchWindows">Windows per mini-batch.</param>
/// <param name="Elapsed">Total wall-clock time.</param>
internal sealed record HistoryTrainingResult(
    ModelWeights Model,
    IReadOnlyList<EpochResult> Epochs,
    int BestEpoch,
    string StopReason,
    int Rows,
    int ValidationStartRow,
    int TrainingWindows,
    int ValidationWindows,
    IReadOnlyList<BaselineLoss> Baselines,
    double LearningRate,
    int BatchWindows,
    TimeSpan Elapsed);
