namespace StreamRnn.Daemon.Training;

/// <summary>A simple forecaster's loss on the validation windows, in the model's own loss (per unit of target weight).</summary>
/// <param name="Name">"mean" or "linear".</param>
/// <param name="Description">What it predicts, for the report.</param>
/// <param name="ValidationLoss">Σ loss / Σ weight over the validation windows' targets.</param>
/// <param name="HorizonLosses">With Target:Horizons, each horizon's validation loss per unit of its known targets' weight; null otherwise.</param>
internal sealed record BaselineLoss(string Name, string Description, double ValidationLoss, IReadOnlyList<double>? HorizonLosses = null);
