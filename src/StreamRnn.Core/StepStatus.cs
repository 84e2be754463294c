namespace StreamRnn.Core;

/// <summary>What a forward step did with one key's state.</summary>
public enum StepStatus : byte
{
    /// <summary>The state was advanced and the head output is finite.</summary>
    Ok = 0,
    /// <summary>The input held NaN or ±Inf: the state was left unchanged and the head output is NaN.</summary>
    NonFiniteInput = 1,
    /// <summary>The step produced a non-finite value: the state was left unchanged and the head output is NaN.</summary>
    NonFiniteResult = 2,
}
