namespace StreamRnn.Core;

/// <summary>Argument checks shared by the optimisers.</summary>
internal static class OptimizerArguments
{
    public static void RequireNonNegative(float value, string name)
    {
        if (!(float.IsFinite(value) && value >= 0f))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and non-negative.");
        }
    }

    public static void RequireLengths(int parameters, int gradient, int expected)
    {
        if (parameters != expected || gradient != expected)
        {
            throw new ArgumentException($"parameters ({parameters}) and gradient ({gradient}) must both hold {expected} floats.");
        }
    }
}
