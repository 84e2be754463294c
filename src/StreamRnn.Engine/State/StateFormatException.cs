namespace StreamRnn.Engine.State;

/// <summary>
/// A changelog record or snapshot that cannot be used: truncated, corrupted (checksum), of an unknown format
/// version, or written for another model shape. The message says which; the caller can fall back (from a
/// snapshot to the changelog, from a changelog record to a fresh key).
/// </summary>
public sealed class StateFormatException(string message) : Exception(message);
