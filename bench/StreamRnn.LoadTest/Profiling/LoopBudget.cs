using System.Diagnostics;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Kafka.Embedded;
using StreamRnn.Kafka.Processing;
using StreamRnn.LoadTest.Configuration;
using StreamRnn.LoadTest.Contenders;
using StreamRnn.LoadTest.EngineAlone;
using StreamRnn.LoadTest.Measurement;
using StreamRnn.LoadTest.Workload;

namespace StreamRnn.LoadTest.Profiling;

/// <summary>
/// Takes the consumer loop apart on ONE thread, timed by that thread's CPU time (so waiting for the broker and
/// being descheduled do not count): consuming the records with the daemon's consumer settings, producing them
/// unchanged (the passthrough's work per record), the engine into a discarding sink, and the engine into the
/// daemon's own <see cref="KafkaRecordSink"/> on a producer with the daemon's settings. The sum of the steps is
/// what each loop thread needs per record, i.e. how fast each contender could go if the broker were not the limit.
/// </summary>
/// <remarks>The whole sequence runs <see cref="LoadTestSettings.BudgetPasses"/> times (4; 2 with --quick) on fresh
/// clusters; the first pass warms the JIT, and each step's figure is its smallest over the others (interference from other processes only ever adds time; on a KVM
/// guest even thread CPU time includes time the host took the core away).</remarks>
public static class LoopBudget
{
    public const string Consume = "consume (Consume, daemon's consumer settings)";
    public const string ProduceUnchanged = "produce key+value unchanged (passthrough)";
    public const string EngineDiscarding = "engine, discarding sink";
    public const string EngineToKafka = "engine + KafkaRecordSink (daemon's produce)";
    public const string EngineNoCopy = "engine + produce without per-output copies (what-if)";

    public static IReadOnlyList<BudgetLine> Measure(LoadTestSettings settings, PipelineDefinition definition, LoadWorkload workload)
    {
        int passes = Math.Max(2, settings.BudgetPasses);
        var measured = new List<List<BudgetLine>>();
        for (int pass = 0; pass < passes; pass++)
        {
            var lines = MeasureOnce(settings, definition, workload, pass);
            if (pass > 0)
            {
                measured.Add(lines);
            }

            JitQuiescence.Wait(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10));
        }

        return new[] { Consume, ProduceUnchanged, EngineDiscarding, EngineToKafka, EngineNoCopy }.Select(step => measured.SelectMany(l => l).Where(l => l.Step == step).MinBy(l => l.CpuMicrosecondsPerRecord)!).ToList();
    }

    private static List<BudgetLine> MeasureOnce(LoadTestSettings settings, PipelineDefinition definition, LoadWorkload workload, int pass)
    {
        const string passthroughTopic = "load.passthrough-output";
        using var cluster = EmbeddedKafkaCluster.Start();
        cluster.SetInitialRebalanceDelay(TimeSpan.Zero);
        cluster.CreateTopic(definition.InputTopic, settings.Partitions);
        cluster.CreateTopic(definition.OutputTopic, settings.OutputPartitions);
        cluster.CreateTopic(passthroughTopic, settings.OutputPartitions);
        cluster.CreateTopic(definition.ChangelogTopic, settings.Partitions);
        cluster.CreateTopic(definition.DeadLetterTopic, 1);
        InputProducer.ProduceAll(cluster.BootstrapServers, definition.InputTopic, workload, new SendLog(workload.Count));
        var options = new StreamProcessorOptions { BootstrapServers = cluster.BootstrapServers, GroupId = "load-budget", StateDirectory = "" };
        var lines = new List<BudgetLine>();

        var records = new InputRecord[workload.Count];
        using (var consumer = new ConsumerBuilder<byte[], byte[]>(ProcessorClientConfig.Consumer(options)).SetLogHandler((_, _) => { }).Build())
        {
            consumer.Subscribe(definition.InputTopic);
            records[0] = ToInput(WaitForFirst(consumer));
            var section = Section.Start();
            for (int i = 1; i < records.Length;)
            {
                var result = consumer.Consume(TimeSpan.FromSeconds(10)) ?? throw new TimeoutException("The input topic ran dry.");
                records[i++] = ToInput(result);
            }

            lines.Add(section.Stop(Consume, records.Length - 1));
            consumer.Close();
        }

        using (var producer = new ProducerBuilder<byte[], byte[]>(ProcessorClientConfig.Producer(options)).SetLogHandler((_, _) => { }).Build())
        {
            var tracker = new OutputTracker();
            Action<DeliveryReport<byte[], byte[]>> onDelivered = tracker.OnDelivered;
            var destination = new TopicPartition(passthroughTopic, Partition.Any);
            var section = Section.Start();
            foreach (var record in records)
            {
                // The passthrough hands the consumer's own arrays over, as here.
                producer.Produce(destination, new Message<byte[], byte[]> { Key = ArrayOf(record.Key), Value = ArrayOf(record.Value) }, onDelivered);
            }

            lines.Add(section.Stop(ProduceUnchanged, records.Length));
            Drain(producer);

            var discarding = new DiscardingSink();
            var runtime = LoadPipeline.Runtime(definition, metrics: null);
            section = Section.Start();
            Feed(runtime, records, discarding);
            lines.Add(section.Stop(EngineDiscarding, records.Length));

            // The two produce-side steps swap places from pass to pass, so neither always runs on the other's heap.
            var kafkaSink = new KafkaRecordSink(producer, definition, tracker);
            var noCopySink = new NoCopyProduceSink(producer, definition.OutputTopic, tracker);
            foreach (var (step, sink) in pass % 2 == 0 ? new (string, IRecordSink)[] { (EngineToKafka, kafkaSink), (EngineNoCopy, noCopySink) }
                         : [(EngineNoCopy, noCopySink), (EngineToKafka, kafkaSink)])
            {
                runtime = LoadPipeline.Runtime(definition, metrics: null);
                section = Section.Start();
                Feed(runtime, records, sink);
                runtime.FlushChangelog(sink);
                lines.Add(section.Stop(step, records.Length));
                Drain(producer);
            }
        }

        return lines;
    }

    /// <summary>The consumer's array behind an input record's memory (it wraps a whole byte[]).</summary>
    private static byte[] ArrayOf(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : throw new InvalidOperationException("Input record memory is not a whole array.");

    private static ConsumeResult<byte[], byte[]> WaitForFirst(IConsumer<byte[], byte[]> consumer)
    {
        long started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(30))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message: not null } first)
            {
                return first;
            }
        }

        throw new TimeoutException("No input record within 30 s.");
    }

    private static InputRecord ToInput(ConsumeResult<byte[], byte[]> result) =>
        new(result.Partition.Value, result.Offset.Value, result.Message.Timestamp.UnixTimestampMs, result.Message.Key, result.Message.Value);

    private static void Feed(PipelineRuntime runtime, InputRecord[] records, IRecordSink sink)
    {
        for (int start = 0; start < records.Length; start += EngineBenchmark.BatchRecords)
        {
            runtime.Process(records.AsSpan(start, Math.Min(EngineBenchmark.BatchRecords, records.Length - start)), sink);
        }
    }

    private static void Drain(IProducer<byte[], byte[]> producer)
    {
        if (producer.Flush(TimeSpan.FromSeconds(60)) > 0)
        {
            throw new TimeoutException("Outputs were not acknowledged within 60 s.");
        }
    }

    /// <summary>Thread CPU time and allocation of the calling thread between Start and Stop.</summary>
    private readonly record struct Section(long CpuNanoseconds, long Allocated)
    {
        /// <summary>Collects first, so a step never pays for the garbage of the one before.</summary>
        public static Section Start()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return new(ThreadCpuClock.Nanoseconds(), GC.GetAllocatedBytesForCurrentThread());
        }

        public BudgetLine Stop(string step, int records)
        {
            long cpu = ThreadCpuClock.Nanoseconds() - CpuNanoseconds;
            long allocated = GC.GetAllocatedBytesForCurrentThread() - Allocated;
            return new BudgetLine(step, cpu / 1e3 / records, (double)allocated / records);
        }
    }
}
