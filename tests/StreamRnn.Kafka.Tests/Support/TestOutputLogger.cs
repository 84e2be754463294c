using Microsoft.Extensions.Logging;

namespace StreamRnn.Kafka.Tests.Support;

/// <summary>Writes log lines to xunit's per-test output and keeps them for assertions.</summary>
internal sealed class TestOutputLogger(ITestOutputHelper? output, LogLevel minimum = LogLevel.Information) : ILogger
{
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        string line = $"{logLevel}: {formatter(state, exception)}";
        lock (_gate)
        {
            _lines.Add(line);
        }

        try
        {
            output?.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // Native threads may log after the test that owned the output has finished.
        }
    }
}
