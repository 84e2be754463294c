namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>Running coverage, width and error of one forecaster in one regime.</summary>
internal sealed class IntervalCell
{
    private const double Z80 = 1.2815515655446004, Z95 = 1.959963984540054;
    private long covered80, covered95;
    private double width, absolute;

    public long Count { get; private set; }

    public double Coverage80 => (double)covered80 / Count;

    public double Coverage95 => (double)covered95 / Count;

    public double Width80 => width / Count;

    public double Mae => absolute / Count;

    public void Add(double y, double mu, double sigma)
    {
        double error = Math.Abs(y - mu);
        Count++;
        covered80 += error <= Z80 * sigma ? 1 : 0;
        covered95 += error <= Z95 * sigma ? 1 : 0;
        width += 2 * Z80 * sigma;
        absolute += error;
    }
}
