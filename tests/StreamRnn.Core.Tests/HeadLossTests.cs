using StreamRnn.Core.Heads;

namespace StreamRnn.Core.Tests;

[Trait("Category", "Unit")]

public sealed class HeadLossTests
{
    [Fact]
    public void LinearIsWeightedSquaredError()
    {
        float[] d = new float[1];
        Assert.Equal(2.0 * 0.25, LinearHead.Loss([1.5f], 1f, 2f, d), 12);
        Assert.Equal(2f * 2f * 0.5f, d[0]);
    }

    [Fact]
    public void GaussianUsesTheClampedLogVarianceAndNoGradientBeyondIt()
    {
        float[] d = new float[2];
        // Inside: v = 0.5, e = 1 → L = ½(0.5 + e^−0.5); ∂μ = e^−0.5; ∂v = ½(1 − e^−0.5).
        Assert.Equal(0.5 * (0.5 + Math.Exp(-0.5)), GaussianHead.Loss([2f, 0.5f], 1f, 1f, d), 6);
        Assert.Equal(Math.Exp(-0.5), d[0], 6);
        Assert.Equal(0.5 * (1 - Math.Exp(-0.5)), d[1], 6);

        // Beyond the range the clamp holds v at 10 and passes no gradient to the raw output.
        Assert.Equal(0.5 * (10 + Math.Exp(-10)), GaussianHead.Loss([2f, 12f], 1f, 1f, d), 6);
        Assert.Equal(0f, d[1]);
        Assert.Equal(0.5 * (-10 + Math.Exp(10)), GaussianHead.Loss([2f, -30f], 1f, 1f, d), 3);
        Assert.Equal(0f, d[1]);
    }

    [Theory]
    [InlineData(100f, 0f)]
    [InlineData(-100f, 1f)]
    [InlineData(100f, 1f)]
    [InlineData(0f, 1f)]
    public void BinaryCrossEntropyIsStableFromTheLogit(float logit, float target)
    {
        float[] d = new float[1];
        double loss = BinaryHead.Loss([logit], target, 1f, d);
        double softplus = Math.Max(logit, 0) + Math.Log(1 + Math.Exp(-Math.Abs(logit)));
        Assert.Equal(softplus - logit * target, loss, 9);
        Assert.True(double.IsFinite(loss));
        Assert.Equal(1 / (1 + Math.Exp(-logit)) - target, d[0], 6);
    }
}
