namespace StreamRnn.LoadTest.Profiling;

/// <summary>One step of the loop-thread budget: on-CPU time and managed allocation of the measuring thread per record.</summary>
public sealed record BudgetLine(string Step, double CpuMicrosecondsPerRecord, double BytesPerRecord);
