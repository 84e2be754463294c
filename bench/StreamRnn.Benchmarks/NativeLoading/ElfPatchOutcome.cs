namespace StreamRnn.Benchmarks.NativeLoading;

/// <summary>What <see cref="ElfVersionNeedPatcher"/> did.</summary>
public enum ElfPatchOutcome
{
    /// <summary>The version need was found and flagged weak.</summary>
    Patched,
    /// <summary>The version need was already weak: nothing written.</summary>
    AlreadyWeak,
    /// <summary>The file does not need that version at all: nothing written.</summary>
    VersionNotRequired,
}
