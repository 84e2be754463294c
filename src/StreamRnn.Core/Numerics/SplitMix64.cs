namespace StreamRnn.Core.Numerics;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny generator with a fixed, documented sequence, so weight
/// initialisation from a seed is the same on every runtime version (System.Random makes no such promise).
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 24 random bits, exactly representable as a float.</summary>
    public float NextFloat() => (Next() >> 40) * (1f / (1 << 24));

    /// <summary>Uniform in [-bound, bound).</summary>
    public float NextUniform(float bound) => (2f * NextFloat() - 1f) * bound;
}
