using System.Text.Json;
using Confluent.Kafka;
using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Daemon.Csv;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Daemon.Training;
using StreamRnn.Engine.Configuration;
using StreamRnn.Kafka.Embedded;
using StreamRnn.Tests.Support;
using StreamRnn.Engine.Training;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// The last step of a room's calibration (docs/operations.md): the pipeline.json that <c>streamrnn-tools calibrate</c>
/// writes (<see cref="CalibratedPipeline"/>: Model:File = the model's absolute path) copied into the daemon's pipeline
/// folder; the daemon, as a process against a broker this test owns, predicts with the calibrated model from its
/// first bed-exit reading.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class CalibratedPipelineDaemonTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const long FirstTimestamp = 1_700_000_000_000L;
    private readonly EmbeddedKafkaCluster _cluster = EmbeddedKafkaCluster.Start();
    private readonly ScratchDirectory _scratch = new();

    [Fact]
    public async Task The_daemon_starts_a_calibrated_bed_exit_pipeline_from_its_model()
    {
        byte[] shipped = File.ReadAllBytes(RepositoryRoot.Combine("config/pipelines/bed-exit.json"));
        var shape = PipelineDefinition.Parse(shipped).CreateShape();
        string model = _scratch.Combine("calibration", "room-12", "model.srnn");
        var calibrated = ModelWeights.Initialize(shape, seed: 5, version: 16);
        ModelFiles.Save(model, calibrated, "--out");
        string file = _scratch.Write("daemon/config/pipelines/room-12.json", CalibratedPipeline.Rewrite(shipped, "bed-exit", model, 0.7, 0.35));
        var definition = PipelineDefinition.Load(file);
        foreach (string? topic in new[] { definition.InputTopic, definition.OutputTopic, definition.AlertTopic, definition.DeadLetterTopic, definition.ChangelogTopic, definition.ModelTopic })
        {
            _cluster.CreateTopic(topic!, 1);
        }

        await using var daemon = DaemonProcess.Start(
        [
            $"--Kafka:BootstrapServers={_cluster.BootstrapServers}",
            "--Kafka:GroupId=calibrated",
            $"--PipelineFiles={file}",
            "--Http:Url=http://127.0.0.1:0",
            $"--State:Directory={_scratch.Combine("daemon", "state")}",
        ]);
        await daemon.WaitForHttpAsync(Timeout);
        await daemon.WaitForLineAsync(l => l.Contains("Pipeline bed-exit: starting from Model:File (version 16)", StringComparison.Ordinal), Timeout, "Model:File loaded");

        // The first 20 readings of the sample's first trial, encoded as `streamrnn replay` would, time_s as the timestamp.
        string[] lines = File.ReadAllLines(RepositoryRoot.Combine("tests/StreamRnn.Tools.Tests/Backtest/Data/torres_rfid_room1_8trials_exit_within_15s.csv"));
        string[] header = lines[0].Split(',');
        var encoder = new CsvRowEncoder(header);
        const int records = 20;
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            foreach (string line in lines.Skip(1).Take(records))
            {
                string[] fields = line.Split(',');
                long time = FirstTimestamp + (long)(double.Parse(fields[Array.IndexOf(header, "time_s")], System.Globalization.CultureInfo.InvariantCulture) * 1000);
                producer.Produce(definition.InputTopic, new Message<string, byte[]>
                {
                    Key = fields[0],
                    Value = encoder.Encode(fields).ToArray(),
                    Timestamp = new Timestamp(time, TimestampType.CreateTime),
                });
            }

            Assert.Equal(0, producer.Flush(Timeout));
        }

        var versions = Consume(definition.OutputTopic, records)
            .Select(json => JsonDocument.Parse(json).RootElement.GetProperty("model_version").GetInt64()).ToList();
        Assert.Equal(records, versions.Count);
        Assert.All(versions, v => Assert.Equal(16, v));
        var stored = new ModelStore(_scratch.Combine("daemon", "state"), "bed-exit").LoadLatest(shape)!;
        Assert.Equal(calibrated.Parameters.ToArray(), stored.Parameters.ToArray());
        daemon.Terminate();
        Assert.Equal(0, await daemon.WaitForExitAsync(Timeout));
    }

    private List<string> Consume(string topic, int count) => TopicValues.Read(_cluster.BootstrapServers, topic, count, Timeout);

    public void Dispose()
    {
        _cluster.Dispose();
        _scratch.Dispose();
    }
}
