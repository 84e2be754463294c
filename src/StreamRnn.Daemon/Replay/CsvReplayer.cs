using Confluent.Kafka;
using StreamRnn.Daemon.Csv;

namespace StreamRnn.Daemon.Replay;

/// <summary>
/// Produces the rows of a CSV file into a topic as JSON objects (<see cref="CsvRowEncoder"/>), in file order,
/// optionally keyed by a column and paced to a rate.
/// </summary>
/// <remarks>
/// The producer is idempotent (acks=all), so retries neither reorder nor duplicate rows within a partition. Pacing
/// schedules row i at <c>start + i / rate</c> on a monotonic clock rather than sleeping 1/rate after each row, so
/// the time spent producing does not slow the rate down and there is no drift. The replay finishes only when every
/// record has been acknowledged (or has failed), so "done" means the rows are in the topic.
/// </remarks>
internal sealed class CsvReplayer(ReplaySettings settings, TimeProvider time)
{
    private long _failed;
    private string? _firstError;

    public async Task<ReplayResult> RunAsync(CancellationToken cancellation)
    {
        using var csv = CsvReader.Open(settings.CsvPath);
        int keyColumn = -1;
        if (settings.KeyColumn is not null)
        {
            keyColumn = csv.ColumnIndex(settings.KeyColumn);
            if (keyColumn < 0)
            {
                throw new ArgumentException(
                    $"--key-column = '{settings.KeyColumn}': not a column of {settings.CsvPath} (columns: {string.Join(", ", csv.Header)}).");
            }
        }

        var config = new ProducerConfig
        {
            BootstrapServers = settings.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = settings.RecordsPerSecond > 0 ? 0 : 5,
        };
        using var producer = new ProducerBuilder<string?, byte[]>(config).Build();
        var encoder = new CsvRowEncoder(csv.Header);
        var fields = new List<string>();
        long start = time.GetTimestamp();
        long produced = 0;
        while ((settings.Limit is null || produced < settings.Limit) && !cancellation.IsCancellationRequested && csv.TryReadRow(fields))
        {
            if (settings.RecordsPerSecond > 0)
            {
                var due = TimeSpan.FromSeconds(produced / settings.RecordsPerSecond);
                var wait = due - time.GetElapsedTime(start);
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    try
                    {
                        await Task.Delay(wait, time, cancellation).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }

            var message = new Message<string?, byte[]>
            {
                Key = keyColumn < 0 ? null : fields[keyColumn],
                Value = encoder.Encode(fields).ToArray(),
            };
            Produce(producer, message);
            produced++;
        }

        while (producer.Flush(TimeSpan.FromMilliseconds(500)) > 0 && !cancellation.IsCancellationRequested)
        {
            // Waiting for the last acknowledgements; a broker that never answers fails them at message.timeout.ms.
        }

        return new ReplayResult(produced, Interlocked.Read(ref _failed), _firstError, time.GetElapsedTime(start));
    }

    private void Produce(IProducer<string?, byte[]> producer, Message<string?, byte[]> message)
    {
        while (true)
        {
            try
            {
                producer.Produce(settings.Topic, message, OnDelivered);
                return;
            }
            catch (ProduceException<string?, byte[]> exception) when (exception.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    private void OnDelivered(DeliveryReport<string?, byte[]> report)
    {
        if (report.Error.IsError)
        {
            Interlocked.CompareExchange(ref _firstError, $"{report.Error.Reason} ({report.Error.Code})", null);
            Interlocked.Increment(ref _failed);
        }
    }
}
