using Confluent.Kafka;
using Microsoft.Extensions.Options;
using StreamRnn.Daemon.Broker;
using StreamRnn.Daemon.Configuration;
using StreamRnn.Daemon.Csv;
using StreamRnn.Daemon.Pipelines;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Demo;

/// <summary>
/// Replays the bundled real data (DemoData/) into the demo pipelines' input topics, keyed per series, at the
/// feeds' base pace times <c>Demo:Speed</c>, forever (each pass shifts the timestamps on).
/// </summary>
/// <remarks>
/// Each record's Kafka timestamp is the wall-clock moment it was scheduled for, so pipelines that take event time
/// from the record timestamp see a live stream (and end-to-end latency means something), while the row's own time
/// column keeps the data's time. One producer serves all feeds; each feed waits on <see cref="TimeProvider"/> for
/// its next row, so no thread is held while idle. Stopping cancels the waits and flushes what was produced.
/// </remarks>
internal sealed class DemoFeedService(
    KafkaConnection connection,
    PipelineCatalog catalog,
    IOptions<DemoOptions> options,
    TimeProvider time,
    ILogger<DemoFeedService> logger) : BackgroundService
{
    /// <summary>The folder of the bundled files, next to the executable.</summary>
    public static string DataDirectory => Path.Combine(AppContext.BaseDirectory, "DemoData");

    private long _produced;
    private long _failures;

    /// <summary>Records handed to the producer so far.</summary>
    public long Produced => Interlocked.Read(ref _produced);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var demo = options.Value;
        if (!demo.IsEnabled(connection.IsEmbedded))
        {
            DemoLog.Disabled(logger, demo.Enabled?.ToString() ?? "not set", connection.IsEmbedded);
            return;
        }

        var config = connection.CreateProducerConfig();
        config.LingerMs = 5;
        config.EnableIdempotence = true;
        using var producer = new ProducerBuilder<string, byte[]>(config).Build();
        var feeds = new List<Task>();
        foreach (var feed in DemoFeedDefinition.Bundled)
        {
            var pipeline = catalog.Find(feed.Pipeline);
            if (pipeline is null)
            {
                DemoLog.FeedSkipped(logger, feed.File, feed.Pipeline);
                continue;
            }

            var schedule = DemoSchedule.Load(feed, Path.Combine(DataDirectory, feed.File));
            feeds.Add(RunFeedAsync(schedule, pipeline.InputTopic, producer, demo.Speed, stoppingToken));
        }

        try
        {
            await Task.WhenAll(feeds).ConfigureAwait(false);
        }
        finally
        {
            producer.Flush(TimeSpan.FromSeconds(5));
            DemoLog.Stopped(logger, Produced);
        }
    }

    private async Task RunFeedAsync(DemoSchedule schedule, string topic, IProducer<string, byte[]> producer, double speed, CancellationToken cancellation)
    {
        await Task.Yield();
        double pace = schedule.Feed.BasePace * speed;
        int keys = schedule.Rows.Select(r => r.Key).Distinct(StringComparer.Ordinal).Count();
        DemoLog.FeedStarted(logger, schedule.Feed.File, topic, keys, schedule.Rows.Count,
            schedule.Rows.Count / (schedule.Cycle / pace), speed, TimeSpan.FromSeconds(schedule.Cycle / pace));
        var encoder = new CsvRowEncoder(schedule.Header);
        string[] fields = new string[schedule.Header.Count];
        var start = time.GetUtcNow();
        try
        {
            for (long pass = 0; !cancellation.IsCancellationRequested; pass++)
            {
                if (pass > 0)
                {
                    DemoLog.FeedLooped(logger, schedule.Feed.File, pass);
                }

                foreach (var row in schedule.Rows)
                {
                    var due = start + TimeSpan.FromSeconds((pass * schedule.Cycle + row.Offset) / pace);
                    // Waits under a millisecond are skipped: timers are that coarse, and the schedule is absolute,
                    // so a row sent a little early is followed by a correspondingly longer wait, never drift.
                    var wait = due - time.GetUtcNow();
                    if (wait > TimeSpan.FromMilliseconds(1))
                    {
                        await Task.Delay(wait, time, cancellation).ConfigureAwait(false);
                    }

                    row.Fields.CopyTo(fields, 0);
                    fields[schedule.TimeColumn] = schedule.TimeText(row, pass);
                    var message = new Message<string, byte[]>
                    {
                        Key = row.Key,
                        Value = encoder.Encode(fields).ToArray(),
                        Timestamp = new Timestamp(due.UtcDateTime, TimestampType.CreateTime),
                    };
                    Produce(producer, topic, message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception exception)
        {
            DemoLog.FeedFailed(logger, exception, schedule.Feed.File);
        }
    }

    private void Produce(IProducer<string, byte[]> producer, string topic, Message<string, byte[]> message)
    {
        while (true)
        {
            try
            {
                producer.Produce(topic, message, OnDelivered);
                Interlocked.Increment(ref _produced);
                return;
            }
            catch (ProduceException<string, byte[]> exception) when (exception.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    private void OnDelivered(DeliveryReport<string, byte[]> report)
    {
        if (report.Error.IsError)
        {
            long count = Interlocked.Increment(ref _failures);
            if (count <= 10 || count % 1000 == 0)
            {
                DemoLog.DeliveryFailed(logger, report.Topic, report.Error.Reason, count);
            }
        }
    }
}
