namespace StreamRnn.Daemon.Training;

/// <summary>How <see cref="HistoryTrainer"/> trains: the command's options, with the defaults the daemon's bootstrap uses.</summary>
/// <param name="Epochs">The most passes over the training windows.</param>
/// <param name="Patience">Stop after this many epochs in a row without a better validation loss.</param>
/// <param name="Seed">Seed of the window shuffle.</param>
/// <param name="LearningRate">Peak learning rate of the cosine schedule; null = the pipeline's Training:LearningRate.</param>
/// <param name="ValidationShare">The share of rows, the last by event time, whose windows validate.</param>
/// <param name="BatchRows">Rows per micro-batch of the replay.</param>
internal sealed record HistoryTrainingOptions(
    int Epochs = 20,
    int Patience = 3,
    int Seed = 1,
    double? LearningRate = null,
    double ValidationShare = 0.2,
    int BatchRows = 256);
