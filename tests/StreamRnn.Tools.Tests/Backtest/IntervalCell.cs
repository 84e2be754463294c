namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>Running coverage, width and error of one forecaster in one regime.</summary>
internal sealed class IntervalCell
{
    private const double Z80 = 1.2815515655446004, Z95 = 1.959963984540054;
    private long _covered80, _covered95;
    private double _width, _absolute;

    public long Count { get; private set; }

    public double Coverage80 => (double)_covered80 / Count;

    public double Coverage95 => (double)_covered95 / Count;

    public double Width80 => _width / Count;

    public double Mae => _absolute / Count;

    public void Add(double y, double mu, double sigma)
    {
        double error = Math.Abs(y - mu);
        Count++;
        _covered80 += error <= Z80 * sigma ? 1 : 0;
        _covered95 += error <= Z95 * sigma ? 1 : 0;
        _width += 2 * Z80 * sigma;
        _absolute += error;
    }
}
