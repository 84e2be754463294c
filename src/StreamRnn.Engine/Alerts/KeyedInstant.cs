namespace StreamRnn.Engine.Alerts;

/// <summary>Something that happened to one key at one moment: an alert raised, an exit observed.</summary>
public readonly record struct KeyedInstant(string Key, long UnixMs);
