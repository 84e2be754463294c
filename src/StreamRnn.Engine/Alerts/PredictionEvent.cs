namespace StreamRnn.Engine.Alerts;

/// <summary>One emitted prediction, as handed to an <see cref="IPredictionObserver"/>.</summary>
/// <param name="Key">The series key (the runtime's cached string: no allocation per call).</param>
/// <param name="EventTimeUnixMs">Event time of the record the prediction was made for.</param>
/// <param name="ModelVersion">Version of the weights that made it.</param>
/// <param name="Mean">The mean (Gaussian), value (Linear) or probability p (Binary), in target units.</param>
/// <param name="StandardDeviation">The standard deviation (Gaussian), else NaN.</param>
public readonly record struct PredictionEvent(string Key, long EventTimeUnixMs, long ModelVersion, double Mean, double StandardDeviation);
