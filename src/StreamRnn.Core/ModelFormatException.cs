namespace StreamRnn.Core;

/// <summary>A weight file that is truncated, corrupted, of an unknown format version, or of another shape.</summary>
public sealed class ModelFormatException(string message) : Exception(message);
