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

    private long _scored, _intervals, _covered80, _covered95, _truePositives, _falsePositives, _falseNegatives;
    private double _absolute, _squared, _logLoss;

    /// <summary>Scores a regression forecast; <paramref name="sigma"/> NaN = no interval.</summary>
    public void AddRegression(double y, double forecast, double sigma) => AddRegression(y, forecast, sigma, Z80 * sigma, Z95 * sigma);

    /// <summary>Scores a regression forecast whose central intervals have the given half-widths (the published ones).</summary>
    public void AddRegression(double y, double forecast, double sigma, double half80, double half95)
    {
        double error = y - forecast;
        _scored++;
        _absolute += Math.Abs(error);
        _squared += error * error;
        if (double.IsFinite(sigma))
        {
            _intervals++;
            if (Math.Abs(error) <= half80)
            {
                _covered80++;
            }

            if (Math.Abs(error) <= half95)
            {
                _covered95++;
            }
        }
    }

    /// <summary>Scores a probability forecast of a 0/1 target, and the alert-threshold decision made from it.</summary>
    public void AddBinary(double y, double p, bool outcome, bool flagged)
    {
        double error = y - p;
        _scored++;
        _absolute += Math.Abs(error);
        _squared += error * error;
        double clipped = Math.Clamp(p, ProbabilityFloor, 1 - ProbabilityFloor);
        _logLoss += -(y * Math.Log(clipped) + (1 - y) * Math.Log(1 - clipped));
        if (flagged && outcome)
        {
            _truePositives++;
        }
        else if (flagged)
        {
            _falsePositives++;
        }
        else if (outcome)
        {
            _falseNegatives++;
        }
    }

    public void Add(ForecastAccumulator other)
    {
        _scored += other._scored;
        _intervals += other._intervals;
        _covered80 += other._covered80;
        _covered95 += other._covered95;
        _truePositives += other._truePositives;
        _falsePositives += other._falsePositives;
        _falseNegatives += other._falseNegatives;
        _absolute += other._absolute;
        _squared += other._squared;
        _logLoss += other._logLoss;
    }

    public ForecastMetrics ToMetrics(bool binary)
    {
        double n = _scored;
        return new ForecastMetrics(
            _scored,
            _absolute / n,
            Math.Sqrt(_squared / n),
            binary || _intervals == 0 ? double.NaN : (double)_covered80 / _intervals,
            binary || _intervals == 0 ? double.NaN : (double)_covered95 / _intervals,
            _intervals,
            binary ? _logLoss / n : double.NaN,
            binary ? _squared / n : double.NaN,
            binary ? Ratio(_truePositives, _truePositives + _falsePositives) : double.NaN,
            binary ? Ratio(_truePositives, _truePositives + _falseNegatives) : double.NaN);
    }

    private static double Ratio(long numerator, long denominator) => denominator == 0 ? double.NaN : (double)numerator / denominator;
}
