namespace StreamRnn.Benchmarks.Reporting;

/// <summary>Whether one of issue #2's performance targets is met in a run; <see cref="Met"/> is null when not measured.</summary>
public sealed record TargetVerdict(string Target, bool? Met, string Evidence);
