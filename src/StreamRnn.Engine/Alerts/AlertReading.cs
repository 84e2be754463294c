namespace StreamRnn.Engine.Alerts;

/// <summary>One prediction as the alert rules see it.</summary>
/// <param name="Key">The series key (e.g. a bed).</param>
/// <param name="EventTimeUnixMs">Event time of the record the prediction was made for.</param>
/// <param name="Probability">q, the watched probability (already complemented when the rules watch 1 − p).</param>
/// <param name="ModelVersion">Version of the weights that made the prediction.</param>
public readonly record struct AlertReading(string Key, long EventTimeUnixMs, double Probability, long ModelVersion);
