namespace StreamRnn.Core.Tests;

[Trait("Category", "Unit")]

public sealed class OptimizerTests
{
    [Fact]
    public void AdamMatchesHandComputedBiasCorrectedSteps()
    {
        // Hand computation (double): t=1, g=0.5: m=0.05, v=0.00025, m̂=0.5, √v̂=0.5 → p = 1 − 0.1·0.5/(0.5+1e-8) = 0.900000002;
        // t=2, g=−1 → 0.93661035424; t=3, g=0.25 → 0.95027942034.
        var adam = new Adam(1, learningRate: 0.1f);
        float[] p = [1f];
        adam.Step(p, [0.5f]);
        Assert.Equal(0.900000002, p[0], 1e-6);
        adam.Step(p, [-1f]);
        Assert.Equal(0.9366103542405654, p[0], 1e-6);
        adam.Step(p, [0.25f]);
        Assert.Equal(0.9502794203389762, p[0], 1e-6);
        Assert.Equal(3, adam.StepCount);
        Assert.Equal(0.9f * (0.9f * 0.05f - 0.1f) + 0.025f, adam.FirstMoment[0], 1e-7);
    }

    [Fact]
    public void AdamWeightDecayIsDecoupled()
    {
        // With a zero gradient the moments stay 0 and only the decay acts: p = 1 · (1 − 0.1 · 0.5) = 0.95.
        var adam = new Adam(2, learningRate: 0.1f, weightDecay: 0.5f);
        float[] p = [1f, -2f];
        adam.Step(p, [0f, 0f]);
        Assert.Equal(0.95f, p[0], 1e-7);
        Assert.Equal(-1.9f, p[1], 1e-6);
    }

    [Fact]
    public void AdamRestoreContinuesWhereItStopped()
    {
        float[] gradients = [0.3f, -0.2f, 0.7f, 0.1f];
        var straight = new Adam(1, 0.05f);
        float[] p = [0.5f];
        foreach (float g in gradients)
        {
            straight.Step(p, [g]);
        }

        var first = new Adam(1, 0.05f);
        float[] q = [0.5f];
        first.Step(q, [gradients[0]]);
        first.Step(q, [gradients[1]]);
        var resumed = new Adam(1, 0.05f);
        resumed.Restore(first.StepCount, first.FirstMoment, first.SecondMoment);
        resumed.Step(q, [gradients[2]]);
        resumed.Step(q, [gradients[3]]);
        Assert.Equal(p[0], q[0]);
    }

    [Fact]
    public void SgdMomentumMatchesHandComputation()
    {
        // v1 = 1 → p = 0.9; v2 = 0.9 + 1 = 1.9 → p = 0.71; v3 = 1.71 + 1 = 2.71 → p = 0.439.
        var sgd = new Sgd(1, 0.1f, momentum: 0.9f);
        float[] p = [1f];
        sgd.Step(p, [1f]);
        Assert.Equal(0.9f, p[0], 1e-6);
        sgd.Step(p, [1f]);
        Assert.Equal(0.71f, p[0], 1e-6);
        sgd.Step(p, [1f]);
        Assert.Equal(0.439f, p[0], 1e-6);
        Assert.Equal(2.71f, sgd.Velocity[0], 1e-6);
    }

    [Fact]
    public void SgdWeightDecayAddsLambdaTimesParameter()
    {
        // d = 1 + 0.1 · 1 = 1.1 → p = 1 − 0.1 · 1.1 = 0.89.
        var sgd = new Sgd(1, 0.1f, weightDecay: 0.1f);
        float[] p = [1f];
        sgd.Step(p, [1f]);
        Assert.Equal(0.89f, p[0], 1e-6);
    }

    [Fact]
    public void OptimisersRejectWrongLengthsAndBadHyperparameters()
    {
        Assert.Throws<ArgumentException>(() => new Adam(3).Step(new float[3], new float[2]));
        Assert.Throws<ArgumentException>(() => new Sgd(3, 0.1f).Step(new float[2], new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(3, beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(3, -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(3, 0.1f, momentum: 1f));
    }

    [Fact]
    public void ClippingScalesToMaxNormAndReturnsTheNormBefore()
    {
        float[] g = [3f, 4f];
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm(g, 1f));
        Assert.Equal(0.6f, g[0], 1e-7);
        Assert.Equal(0.8f, g[1], 1e-7);

        float[] small = [3f, 4f];
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm(small, 10f));
        Assert.Equal([3f, 4f], small);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void ClippingReportsNaNAndLeavesNonFiniteGradientAlone(float bad)
    {
        float[] g = [3f, bad, 4f];
        Assert.True(float.IsNaN(GradientClipping.ClipByGlobalNorm(g, 1f)));
        Assert.Equal(3f, g[0]);
        Assert.Equal(4f, g[2]);
    }

    [Fact]
    public void ClippingHandlesNormsThatOverflowInFloat()
    {
        float[] g = [3e30f, 4e30f];
        Assert.Equal(5e30f, GradientClipping.ClipByGlobalNorm(g, 2f), 1e24f);
        Assert.Equal(1.2f, g[0], 1e-6);
        Assert.Equal(1.6f, g[1], 1e-6);
    }
}
