using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using StreamRnn.Core;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Training;
using StreamRnn.Kafka.Models;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// Issue #4, Merge mode: two daemon processes in one consumer group on a 4-partition input, each training on the keys
/// of its own partitions and exchanging versions through the shared model topic. Part of <see cref="OnlineTrainingTests"/>
/// (same broker fixture, pipeline file, producers and metric readers).
/// </summary>
/// <remarks>
/// <para>Every merged version on the model topic is checked bit for bit against ModelMerger's formula
/// θ = Σ n_i θ_i / Σ n_i, recomputed here from the published records: the merging instance's previous version with
/// the window count it published (windows trained since its last merge) and the other instance's version that
/// reproduces the bits, with its published count. That match names the merge's provenance.</para>
/// <para>Which versions meet in a merge depends on timing, so after a paced warm-up the test drives the two
/// instances in turn, knowing how many windows each holds back: a round drains everything queued, keeps the newest
/// HoldBackWindows for validation and trains in whole mini-batches, so what waits for a batch is
/// L = windows handed − HoldBackWindows − windows trained (&lt; BatchWindows once the rounds are done). Adding
/// BatchWindows − L windows makes an instance train exactly one more batch; adding one window makes a round that
/// merges what was received and trains nothing, so the merged version stays the champion and serves the next records.
/// PromotionTolerance is opened wide so that every finite candidate, merged or trained, is promoted: the validation
/// gate is tested elsewhere (OnlineTrainerLearningTests, the diverging test above); here it would only make the
/// sequence depend on losses.</para>
/// </remarks>
[Trait("Category", "ExternalTool")]
public sealed partial class OnlineTrainingTests
{
    private const int MergeKeys = 8;
    private const int WindowSteps = 8;
    private const int BatchWindows = 16;
    private const int HoldBackWindows = 32;
    private static readonly TimeSpan Nudge = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Two_instances_in_merge_mode_publish_their_own_versions_and_serve_windows_weighted_averages_of_both()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var pipeline = CreatePipeline("merge", learningRate: 0.02, mode: "Merge", promotionTolerance: 1e6);
        var definition = pipeline.Definition;
        var shape = definition.CreateShape();
        var initial = ModelWeights.Initialize(shape, definition.Model.Seed);
        await using var oneProcess = StartDaemon(pipeline, "one", "merge-one");
        await using var twoProcess = StartDaemon(pipeline, "two", "merge-two");
        var one = new MergeInstance("one", oneProcess, await oneProcess.WaitForHttpAsync(Timeout));
        var two = new MergeInstance("two", twoProcess, await twoProcess.WaitForHttpAsync(Timeout));
        using var producer = CreateProducer();
        int[] steps = new int[MergeKeys];
        void Phase(string what) => _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds,5:F1} s  {what}"));

        // The group splits the keys: every key held by exactly one instance.
        await ProduceAsync(producer, pipeline, MergeKeys, 0, ChunkSteps);
        Array.Fill(steps, ChunkSteps);
        await Wait.UntilAsync(
            async () =>
            {
                one.Keys = await KeysHeldAsync(one.Address, pipeline, MergeKeys);
                two.Keys = await KeysHeldAsync(two.Address, pipeline, MergeKeys);
                return one.Keys.Count > 0 && two.Keys.Count > 0 && one.Keys.Count + two.Keys.Count == MergeKeys && !one.Keys.Overlaps(two.Keys);
            },
            Timeout, "the two instances to split the keys between them", () => oneProcess.Transcript + "\n=== two ===\n" + twoProcess.Transcript,
            () => oneProcess.HasExited || twoProcess.HasExited ? "a daemon exited" : null, TimeSpan.FromMilliseconds(100));

        Phase($"keys split: one {string.Join(',', one.Keys.Order())}, two {string.Join(',', two.Keys.Order())}");

        // Warm-up: both train and merge as it comes.
        const int warmUpSteps = 5 * ChunkSteps;
        await ProducePacedAsync(oneProcess, one.Address, producer, pipeline, MergeKeys, ChunkSteps, warmUpSteps, waitForRounds: false,
            one.Address, two.Address);
        Array.Fill(steps, warmUpSteps);

        Phase("warm-up produced");
        using var topic = new ModelTopicReader(_cluster.BootstrapServers, definition.ModelTopic, shape);
        foreach (var instance in new[] { one, two })
        {
            await LeftoverAsync(instance, topic);
        }

        Phase("warm-up trained");

        // one trains a batch, then two (merging one's batch first if it arrived), then one merges two's batch alone.
        var oneTrained = await TrainOneBatchAsync(one, topic, producer, pipeline, steps);
        Phase("oneTrained");
        var twoTrained = await TrainOneBatchAsync(two, topic, producer, pipeline, steps);
        Phase("twoTrained");
        var oneMerged = await MergeAloneAsync(one, topic, producer, pipeline, steps);
        Phase("oneMerged");
        var oneServed = await ProduceWindowToFirstKeyAsync(one, producer, pipeline, steps, oneMerged);
        Phase("oneServed");

        // one trains on from its merged version; two merges that batch alone.
        var oneTrainedAgain = await TrainOneBatchAsync(one, topic, producer, pipeline, steps);
        Phase("oneTrainedAgain");
        var twoMerged = await MergeAloneAsync(two, topic, producer, pipeline, steps);
        Phase("twoMerged");
        var twoServed = await ProduceWindowToFirstKeyAsync(two, producer, pipeline, steps, twoMerged);
        Phase("twoServed");

        topic.Drain();
        var records = topic.Records;
        foreach (var line in records)
        {
            _output.WriteLine(line.ToString());
        }

        // Provenance of every merged version: the formula reproduces its bits from two published versions.
        var provenance = new Dictionary<(string, long), (PublishedVersion Local, long LocalWindows, PublishedVersion Remote)>();
        foreach (var instance in new[] { one, two })
        {
            var own = records.Where(r => r.InstanceId == instance.Id).ToList();
            var others = records.Where(r => r.InstanceId != instance.Id && r.Windows > 0).ToList();
            Assert.NotEmpty(own);
            var previous = new PublishedVersion(instance.Id, initial.Version, 0, initial.Parameters.ToArray());
            foreach (var record in own)
            {
                Assert.True(record.Version > previous.Version, $"{record}: versions of one instance only grow");
                if (record.Windows == 0)
                {
                    var local = new ModelContribution(instance.Id, previous.Weights(shape), previous.Windows);
                    var remote = others.Where(other => ModelMerger.Average(
                            [local, new ModelContribution(other.InstanceId, other.Weights(shape), other.Windows)], record.Version)
                        .Parameters.SequenceEqual(record.Parameters)).ToList();
                    Assert.True(remote.Count == 1, $"{record}: {remote.Count} versions of the other instance reproduce it with "
                        + $"{previous} ({previous.Windows} windows) as the local contribution");
                    provenance[(instance.Id, record.Version)] = (previous, previous.Windows, remote[0]);
                    _output.WriteLine($"{instance.Id} v{record.Version} = merge of {instance.Id} v{previous.Version} × {previous.Windows} "
                        + $"and {remote[0].InstanceId} v{remote[0].Version} × {remote[0].Windows}");
                    AssertLogged(instance, $"model version {record.Version} promoted (Merged;");
                    AssertLogged(instance, $"Published model version {record.Version} of merge to {definition.ModelTopic} (Merged; 0 windows");

                    // The daemon names the same two contributions itself (log line and the record's header).
                    AssertLogged(instance, $"Model version {record.Version} of merge is the average of "
                        + $"{instance.Id}:{previous.Version}:{previous.Windows},{remote[0].InstanceId}:{remote[0].Version}:{remote[0].Windows} ");
                }
                else
                {
                    // Windows since the last merge: this round's whole mini-batches on top of what the previous
                    // version carried unless that was a merge.
                    long round = record.Windows - previous.Windows;
                    Assert.True(round > 0 && round % BatchWindows == 0, $"{record} after {previous}: {round} windows in a round");
                    AssertLogged(instance, $"model version {record.Version} promoted (Trained;");
                    AssertLogged(instance, $"Published model version {record.Version} of merge to {definition.ModelTopic} (Trained; {record.Windows} windows");
                }

                previous = record;
            }
        }

        // The two merges the test arranged: both contributions carry training, weighted by the windows each trained.
        var first = provenance[("one", oneMerged.Version)];
        Assert.Equal(oneTrained, first.Local);
        Assert.Equal(twoTrained, first.Remote);
        Assert.True(first.LocalWindows >= BatchWindows && first.Remote.Windows >= BatchWindows, $"{first}");
        var second = provenance[("two", twoMerged.Version)];
        Assert.Equal(twoTrained, second.Local);
        Assert.Equal(oneTrainedAgain, second.Remote);
        Assert.True(second.LocalWindows >= BatchWindows && second.Remote.Windows == BatchWindows, $"{second}");

        // Each instance trained exactly what its records say: everything handed over but the hold-back and a partial batch.
        foreach (var instance in new[] { one, two })
        {
            long leftover = await LeftoverAsync(instance, topic);
            Assert.InRange(leftover, 0, BatchWindows - 1);
        }

        // Predictions flowed for every record, finite, each made by a version its instance issued; the records right
        // after a merge by the merged version.
        int produced = steps.Sum();
        var predictions = await ConsumePredictionsAsync(definition, produced - MergeKeys);
        Assert.All(predictions.Values, p => Assert.True(double.IsFinite(p.Mean) && double.IsFinite(p.StandardDeviation)
            && p.StandardDeviation > 0, p.Json));
        foreach (var prediction in predictions.Values.Where(p => p.Step >= ChunkSteps))
        {
            var holder = one.Keys.Contains(prediction.Key) ? one : two;
            Assert.True(prediction.ModelVersion == initial.Version
                || records.Any(r => r.InstanceId == holder.Id && r.Version == prediction.ModelVersion),
                $"{prediction.Json}: not a version {holder.Id} issued");
        }

        foreach (var (merged, served) in new[] { (oneMerged, oneServed), (twoMerged, twoServed) })
        {
            var made = Enumerable.Range(served.From, WindowSteps).Select(step => predictions[(served.Key, step)]).ToList();
            Assert.All(made, p => Assert.True(p.ModelVersion == merged.Version, $"{p.Json}: expected merged version {merged.Version}"));
        }

        // An independent client sees both instances' records on the model topic, and neither rejected anything.
        var keys = await Kcat.ConsumeAllAsync(_cluster.BootstrapServers, definition.ModelTopic);
        Assert.Contains(keys, r => r.StartsWith("one\t", StringComparison.Ordinal));
        Assert.Contains(keys, r => r.StartsWith("two\t", StringComparison.Ordinal));
        Assert.Equal(0, await MetricAsync(one.Address, "streamrnn_model_rejections_total", ""));
        Assert.Equal(0, await MetricAsync(two.Address, "streamrnn_model_rejections_total", ""));
    }

    private sealed class MergeInstance(string id, DaemonProcess daemon, Uri address)
    {
        public string Id { get; } = id;
        public DaemonProcess Daemon { get; } = daemon;
        public Uri Address { get; } = address;
        public HashSet<string> Keys { get; set; } = [];
    }

    /// <summary>A record of the model topic: the publishing instance, version, published window count and parameters.</summary>
    private sealed record PublishedVersion(string InstanceId, long Version, long Windows, float[] Parameters)
    {
        public ModelWeights Weights(ModelShape shape) => ModelWeights.FromParameters(shape, Parameters, Version);

        public bool Equals(PublishedVersion? other) => other is not null && InstanceId == other.InstanceId && Version == other.Version;

        public override int GetHashCode() => HashCode.Combine(InstanceId, Version);

        public override string ToString() => $"{InstanceId} v{Version} ({Windows} windows)";
    }

    private sealed record Served(string Key, int From);

    /// <summary>The model topic read from the beginning; <see cref="Drain"/> reads up to the current end of every partition.</summary>
    private sealed class ModelTopicReader : IDisposable
    {
        private readonly IConsumer<byte[], byte[]> _consumer;
        private readonly string _topic;
        private readonly ModelShape _shape;
        private readonly long[] _next = new long[Partitions];

        public ModelTopicReader(string bootstrap, string topic, ModelShape shape)
        {
            _consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                GroupId = "merge-models-" + Guid.NewGuid(),
                EnableAutoCommit = false,
            }).Build();
            _consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
            _topic = topic;
            _shape = shape;
        }

        /// <summary>Every record so far, in offset order per partition (one instance's records share a partition).</summary>
        public List<PublishedVersion> Records { get; } = [];

        public void Drain()
        {
            long[] high = new long[Partitions];
            for (int p = 0; p < Partitions; p++)
            {
                high[p] = _consumer.QueryWatermarkOffsets(new TopicPartition(_topic, p), TimeSpan.FromSeconds(5)).High.Value;
            }

            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (Enumerable.Range(0, Partitions).Any(p => _next[p] < high[p]))
            {
                Assert.True(DateTime.UtcNow < deadline, "the model topic could not be read to its end");
                var result = _consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result?.Message?.Value is null)
                {
                    continue;
                }

                _next[result.Partition.Value] = result.Offset.Value + 1;
                var contribution = ModelRecord.Decode(result.Message.Key, result.Message.Value, _shape);
                Records.Add(new PublishedVersion(contribution.InstanceId, contribution.Weights.Version, contribution.WindowsTrained,
                    contribution.Weights.Parameters.ToArray()));
            }
        }

        public PublishedVersion? Last(string instanceId) => Records.LastOrDefault(r => r.InstanceId == instanceId);

        /// <summary>Windows the instance trained, from its records: each Trained record adds its round's batches.</summary>
        public long Trained(string instanceId)
        {
            long total = 0;
            long previous = 0;
            foreach (var record in Records.Where(r => r.InstanceId == instanceId))
            {
                total += record.Windows > 0 ? record.Windows - previous : 0;
                previous = record.Windows;
            }

            return total;
        }

        public void Dispose()
        {
            _consumer.Close();
            _consumer.Dispose();
        }
    }

    /// <summary>Waits until no whole batch is left to train and returns L, the windows waiting for one.</summary>
    private async Task<long> LeftoverAsync(MergeInstance instance, ModelTopicReader topic)
    {
        long leftover = 0;
        await WaitUntilAsync(instance.Daemon, async () =>
        {
            topic.Drain();
            long handed = (long)await MetricAsync(instance.Address, "streamrnn_training_windows_total", "");
            leftover = handed - HoldBackWindows - topic.Trained(instance.Id);
            return leftover < BatchWindows;
        }, $"{instance.Id} to train every whole batch");
        Assert.True(leftover >= 0, $"{instance.Id} trained more windows than it was handed ({leftover})");
        return leftover;
    }

    /// <summary>Hands the instance BatchWindows − L windows, so its next round trains one batch; returns the version it publishes.</summary>
    private async Task<PublishedVersion> TrainOneBatchAsync(MergeInstance instance, ModelTopicReader topic,
        IProducer<string, string> producer, Pipeline pipeline, int[] steps)
    {
        long trained = topic.Trained(instance.Id);
        long leftover = await LeftoverAsync(instance, topic);
        await DriveAsync(instance, producer, pipeline, steps, (int)(BatchWindows - leftover), int.MaxValue, () =>
        {
            topic.Drain();
            return topic.Trained(instance.Id) > trained;
        }, "a trained version");
        await LeftoverAsync(instance, topic);
        var version = topic.Last(instance.Id)!;
        Assert.True(version.Windows > 0, $"{version}: the round ended on a merge");
        Assert.Equal(trained + BatchWindows, topic.Trained(instance.Id));
        return version;
    }

    /// <summary>
    /// Hands the instance single windows (never enough for a batch) until a round merges what it received and trains
    /// nothing; returns the merged version.
    /// </summary>
    private async Task<PublishedVersion> MergeAloneAsync(MergeInstance instance, ModelTopicReader topic,
        IProducer<string, string> producer, Pipeline pipeline, int[] steps)
    {
        topic.Drain();
        long trained = topic.Trained(instance.Id);
        var before = topic.Last(instance.Id);
        long leftover = await LeftoverAsync(instance, topic);
        await DriveAsync(instance, producer, pipeline, steps, 1, (int)(BatchWindows - 1 - leftover), () =>
        {
            topic.Drain();
            var last = topic.Last(instance.Id);
            return last is not null && last.Version > (before?.Version ?? 0) && last.Windows == 0;
        }, "a merged version");
        var merged = topic.Last(instance.Id)!;
        Assert.Equal(trained, topic.Trained(instance.Id));
        return merged;
    }

    /// <summary>
    /// One window to the instance's first key (too few to train, nothing new to merge); checks that inference took up
    /// <paramref name="champion"/> (the runtime switches versions between batches, so /model shows it from the first
    /// batch after the promotion on) and returns the steps the window covers.
    /// </summary>
    private async Task<Served> ProduceWindowToFirstKeyAsync(MergeInstance instance, IProducer<string, string> producer, Pipeline pipeline,
        int[] steps, PublishedVersion champion)
    {
        string key = instance.Keys.Order(StringComparer.Ordinal).First();
        int from = steps[int.Parse(key["taxi-".Length..], CultureInfo.InvariantCulture)];
        await DriveAsync(instance, producer, pipeline, steps, 1, 0, () => true, "one window", key);
        var model = await _http.GetFromJsonAsync<JsonElement>(new Uri(instance.Address, "/pipelines/merge/model"));
        Assert.Equal(champion.Version, model.GetProperty("version").GetInt64());
        return new Served(key, from);
    }

    /// <summary>
    /// Produces <paramref name="windows"/> windows to the instance's keys (round robin, or all to <paramref name="onlyKey"/>),
    /// waits until it has handed exactly those to its trainer, then until <paramref name="done"/>; every
    /// <see cref="Nudge"/> without it, one more window (at most <paramref name="extraWindows"/>) starts another round.
    /// </summary>
    private async Task DriveAsync(MergeInstance instance, IProducer<string, string> producer, Pipeline pipeline, int[] steps,
        int windows, int extraWindows, Func<bool> done, string what, string? onlyKey = null)
    {
        var keys = onlyKey is null ? instance.Keys.Order(StringComparer.Ordinal).ToList() : [onlyKey];
        long handed = (long)await MetricAsync(instance.Address, "streamrnn_training_windows_total", "");
        int turn = 0;

        async Task ProduceWindowsAsync(int count)
        {
            for (int i = 0; i < count; i++, turn++)
            {
                string key = keys[turn % keys.Count];
                int index = int.Parse(key["taxi-".Length..], CultureInfo.InvariantCulture);
                int segment = Taxi.Value.Length / MergeKeys;
                for (int step = steps[index]; step < steps[index] + WindowSteps; step++)
                {
                    producer.Produce(pipeline.Definition.InputTopic,
                        new Message<string, string> { Key = key, Value = Record(step, Taxi.Value[index * segment + step]) });
                }

                steps[index] += WindowSteps;
            }

            Assert.Equal(0, producer.Flush(Timeout));
            handed += count;
            await WaitUntilAsync(instance.Daemon, async () =>
                await MetricAsync(instance.Address, "streamrnn_training_windows_total", "") >= handed, $"{instance.Id} to hand over {handed} windows");
            Assert.Equal(handed, (long)await MetricAsync(instance.Address, "streamrnn_training_windows_total", ""));
        }

        await ProduceWindowsAsync(windows);
        var deadline = DateTime.UtcNow + Timeout;
        var nudge = DateTime.UtcNow + Nudge;
        while (!done())
        {
            Assert.False(instance.Daemon.HasExited, $"{instance.Id} exited while waiting for {what}.\n{instance.Daemon.Transcript}");
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what} from {instance.Id}.\n{instance.Daemon.Transcript}");
            if (DateTime.UtcNow > nudge)
            {
                Assert.True(extraWindows-- > 0, $"no {what} from {instance.Id} and no window left to start another round.\n{instance.Daemon.Transcript}");
                _output.WriteLine($"{instance.Id}: one more window for {what}");
                await ProduceWindowsAsync(1);
                nudge = DateTime.UtcNow + Nudge;
            }

            await Task.Delay(50);
        }
    }

    private static void AssertLogged(MergeInstance instance, string text) =>
        Assert.True(instance.Daemon.Output.Any(line => line.Contains(text, StringComparison.Ordinal)),
            $"{instance.Id} did not log '{text}'.\n{instance.Daemon.Transcript}");
}
