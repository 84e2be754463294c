namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>One entry of a compose service's volumes: a bind mount of a host path or a named volume.</summary>
internal sealed record VolumeMount(string Source, string Target, bool ReadOnly)
{
    /// <summary>Short-syntax sources that are paths (rather than volume names) start like one.</summary>
    public bool IsBind => Source.StartsWith('.') || Source.StartsWith('/') || Source.StartsWith('~');

    public static VolumeMount Parse(string shortSyntax)
    {
        string[] parts = shortSyntax.Split(':');
        return parts.Length switch
        {
            2 => new VolumeMount(parts[0], parts[1], false),
            3 => new VolumeMount(parts[0], parts[1], parts[2].Split(',').Contains("ro")),
            _ => throw new FormatException($"'{shortSyntax}' is not SOURCE:TARGET[:MODE]"),
        };
    }
}
