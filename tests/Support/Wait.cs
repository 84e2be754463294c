using System.Diagnostics;

namespace StreamRnn.Tests.Support;

/// <summary>
/// Waits on conditions with a deadline instead of sleeping and hoping. One copy for every test project (tests/Support).
/// </summary>
internal static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what);

    /// <summary>
    /// Polls the asynchronous <paramref name="condition"/> every <paramref name="poll"/> (20 ms by default) until it
    /// holds. Fails the test after <paramref name="timeout"/> naming <paramref name="what"/> and adding
    /// <paramref name="detail"/> (e.g. a process transcript); fails at once when <paramref name="abandon"/> returns a
    /// reason (e.g. the process under test exited), since the condition can then never hold.
    /// </summary>
    public static async Task UntilAsync(
        Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? detail = null, Func<string?>? abandon = null,
        TimeSpan? poll = null)
    {
        long started = Stopwatch.GetTimestamp();
        while (!await condition())
        {
            if (abandon?.Invoke() is { } reason)
            {
                throw new InvalidOperationException($"Gave up waiting for {what}: {reason}{Detail(detail)}");
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.{Detail(detail)}");
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(20));
        }
    }

    private static string Detail(Func<string>? detail) => detail is null ? "" : "\n" + detail();
}
