namespace StreamRnn.Daemon.Backtest;

/// <summary>One CSV row ready for the runtime, with what the scoring needs to know about it.</summary>
/// <param name="Line">The row's line in the file (1-based; line 1 is the header).</param>
/// <param name="Key">The series key as the pipeline will read it.</param>
/// <param name="EventTimeUnixMs">Event time; <see cref="long.MinValue"/> when unreadable (the runtime dead-letters the row).</param>
/// <param name="Target">The raw target field value x; NaN when missing or not a number.</param>
/// <param name="Json">The row as a JSON object of its columns (the record value).</param>
/// <param name="RecordKey">The record key bytes (empty unless the pipeline keys by record key).</param>
/// <param name="InEventState">Whether the event column holds the event value in this row (false without --event-column).</param>
internal sealed record BacktestRow(long Line, string Key, long EventTimeUnixMs, double Target, byte[] Json, byte[] RecordKey, bool InEventState);
