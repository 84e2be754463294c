namespace StreamRnn.Daemon.Training;

/// <summary>One epoch of <see cref="HistoryTrainer"/>; epoch 0 is the starting model before any step.</summary>
/// <param name="Epoch">0 for the starting model, then 1, 2, …</param>
/// <param name="TrainingLoss">The epoch's weights on the training windows: Σ loss / Σ weight.</param>
/// <param name="ValidationLoss">The epoch's weights on the validation windows (the last rows by time).</param>
/// <param name="LearningRate">The learning rate of the epoch's last optimiser step (0 for epoch 0).</param>
/// <param name="Steps">Optimiser steps taken in the epoch.</param>
/// <param name="Elapsed">Wall-clock time of the epoch (training, replay and evaluation).</param>
/// <param name="Best">Whether this epoch's validation loss was the best so far.</param>
internal sealed record EpochResult(int Epoch, double TrainingLoss, double ValidationLoss, double LearningRate, int Steps,
    TimeSpan Elapsed, bool Best);
