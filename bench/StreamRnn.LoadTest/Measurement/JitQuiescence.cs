using System.Diagnostics;
using System.Runtime;

namespace StreamRnn.LoadTest.Measurement;

/// <summary>
/// Waits until the JIT has stopped compiling, so that a measured run does not pay for tier-1 compilations queued
/// by the previous one (tiered compilation promotes hot methods on a background thread after a quiet period,
/// which a busy 2-core machine keeps postponing).
/// </summary>
public static class JitQuiescence
{
    /// <summary>Returns once no method was compiled for <paramref name="quiet"/>, or after <paramref name="limit"/>.</summary>
    /// <returns>Methods compiled while waiting.</returns>
    public static long Wait(TimeSpan quiet, TimeSpan limit)
    {
        long first = JitInfo.GetCompiledMethodCount(), last = first;
        long started = Stopwatch.GetTimestamp(), lastChange = started;
        while (Stopwatch.GetElapsedTime(lastChange) < quiet && Stopwatch.GetElapsedTime(started) < limit)
        {
            Thread.Sleep(50);
            long now = JitInfo.GetCompiledMethodCount();
            if (now != last)
            {
                last = now;
                lastChange = Stopwatch.GetTimestamp();
            }
        }

        return last - first;
    }
}
