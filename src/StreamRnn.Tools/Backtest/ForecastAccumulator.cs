namespace StreamRnn.Daemon.Backtest;

/// <summary>Running sums behind one <see cref="ForecastMetrics"/>.</summary>
/// <remarks>
/// Same definitions as the engine's prequential scorer (so the model's MAE, RMSE, log-loss, Brier and 80% coverage can
/// be checked against the runtime's own summary): coverage of the intervals the record published (with a Linear path
/// the key's calibrated multipliers), else z₀.₉ = 1.2815515655446004, z₀.₉₇₅ = 1.959963984540054 times σ; p clipped
/// to [1e−7, 1 − 1e−7] for the log-loss.
/// </remarks>
internal sealed class ForecastAccumulator
{
    public const double Z80 = 1.2815515655446004;
    public const double Z95 = 1.959963984540054;
    private const double ProbabilityFloor = 1e-7;

    private long scored, intervals, covered80, covered95, truePositives, falsePositives, falseNegatives;
    private double absolute, squared, logLoss;

    /// <summary>Scores a regression forecast; <paramref name="sigma"/> NaN = no interval.</summary>
    public void AddRegression(double y, double forecast, double sigma) => AddRegression(y, forecast, sigma, Z80 * sigma, Z95 * sigma);

    /// <summary>Scores a regression forecast whose central intervals have the given half-widths (the published ones).</summary>
    public void AddRegression(double y, double forecast, double sigma, double half80, double half95)
    {
        double error = y - forecast;
        scored++;
        absolute += Math.Abs(error);
        squared += error * error;
        if (double.IsFinite(sigma))
        {
            intervals++;
            if (Math.Abs(error) <= half80)
            {
                covered80++;
            }

            if (Math.Abs(error) <= half95)
            {
                covered95++;
            }
        }
    }

    /// <summary>Scores a probability forecast of a 0/1 target, and the alert-threshold decision made from it.</summary>
    public void AddBinary(double y, double p, bool outcome, bool flagged)
    {
        double error = y - p;
        scored++;
        absolute += Math.Abs(error);
        squared += error * error;
        double clipped = Math.Clamp(p, ProbabilityFloor, 1 - ProbabilityFloor);
        logLoss += -(y * Math.Log(clipped) + (1 - y) * Math.Log(1 - clipped));
        if (flagged && outcome)
        {
            truePositives++;
        }
        else if (flagged)
        {
            falsePositives++;
        }
        else if (outcome)
        {
            falseNegatives++;
        }
    }

    public void Add(ForecastAccumulator other)
    {
        scored += other.scored;
        intervals += other.intervals;
        covered80 += other.covered80;
        covered95 += other.covered95;
        truePositives += other.truePositives;
        falsePositives += other.falsePositives;
        falseNegatives += other.falseNegatives;
        absolute += other.absolute;
        squared += other.squared;
        logLoss += other.logLoss;
    }

    public ForecastMetrics ToMetrics(bool binary)
    {
        double n = scored;
        return new ForecastMetrics(
            scored,
            absolute / n,
            Math.Sqrt(squared / n),
            binary || intervals == 0 ? double.NaN : (double)covered80 / intervals,
            binary || intervals == 0 ? double.NaN : (double)covered95 / intervals,
            intervals,
            binary ? logLoss / n : double.NaN,
            binary ? squared / n : double.NaN,
            binary ? Ratio(truePositives, truePositives + falsePositives) : double.NaN,
            binary ? Ratio(truePositives, truePositives + falseNegatives) : double.NaN);
    }

    private static double Ratio(long numerator, long denominator) => denominator == 0 ? double.NaN : (double)numerator / denominator;
}
