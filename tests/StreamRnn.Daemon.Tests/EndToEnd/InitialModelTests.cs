using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Daemon.Training;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Training;
using StreamRnn.Kafka.Embedded;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// The recommended protocol, end to end: a model trained on history (by <see cref="HistoryTrainer"/>, the code of
/// <c>streamrnn-tools train</c>, or by Model:BootstrapCsv at start) is what the daemon, as a process against a broker this test owns, predicts with from its first record.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class InitialModelTests : IDisposable
{
    private const int Partitions = 2;
    private const long FirstTimestamp = 1_700_000_000_000L;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly EmbeddedKafkaCluster _cluster = EmbeddedKafkaCluster.Start();
    private readonly ScratchDirectory _scratch = new();

    [Fact]
    public async Task The_daemon_starts_from_Model_File_and_from_a_model_trained_on_Model_BootstrapCsv()
    {
        // The NAB machine temperatures as a ts,value history (5 minutes apart).
        var values = File.ReadAllLines(RepositoryRoot.Combine("tests/StreamRnn.Tools.Tests/Backtest/Data/machine_temperature_system_failure.csv"))
            .Skip(1).Where(line => line.Length > 0)
            .Select(line => double.Parse(line.Split(',')[1], NumberStyles.Float, CultureInfo.InvariantCulture)).ToList();
        var csv = new StringBuilder("ts,value\n");
        for (int i = 0; i < values.Count; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{FirstTimestamp + i * 300_000L},{values[i]:R}\n");
        }

        string history = _scratch.Write("history.csv", csv.ToString());
        string model = _scratch.Combine("trained.srnn");
        var fromFile = CreatePipeline("from-file", $"\"File\": {JsonSerializer.Serialize(model)}");
        var bootstrapped = CreatePipeline("bootstrapped", $"\"BootstrapCsv\": {JsonSerializer.Serialize(history)}");
        var definition = fromFile.Definition;
        var trained = HistoryTrainer.Train(definition, BacktestInput.Load(new BacktestSettings("", history, ""), definition),
            ModelWeights.Initialize(definition.CreateShape(), definition.Model.Seed), new HistoryTrainingOptions(Epochs: 4), _ => { });
        ModelFiles.Save(model, trained.Model, "--out");

        await using var daemon = DaemonProcess.Start(
        [
            $"--Kafka:BootstrapServers={_cluster.BootstrapServers}",
            "--Kafka:GroupId=initial-model",
            $"--PipelineFiles={fromFile.File};{bootstrapped.File}",
            "--Http:Url=http://127.0.0.1:0",
            $"--State:Directory={_scratch.Combine("state")}",
        ]);
        await daemon.WaitForHttpAsync(Timeout);
        await daemon.WaitForLineAsync(l => l.Contains("Pipeline from-file: starting from Model:File (version 2)", StringComparison.Ordinal), Timeout, "Model:File loaded");
        await daemon.WaitForLineAsync(l => l.Contains("Pipeline bootstrapped: bootstrap done, best epoch", StringComparison.Ordinal), Timeout, "the bootstrap");

        const int records = 40;
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            for (int i = 0; i < records; i++)
            {
                string value = string.Create(CultureInfo.InvariantCulture, $"{{\"ts\": {FirstTimestamp + i * 300_000L}, \"value\": {values[i]:R}}}");
                producer.Produce(fromFile.Definition.InputTopic, new Message<string, string> { Key = "m1", Value = value });
                producer.Produce(bootstrapped.Definition.InputTopic, new Message<string, string> { Key = "m1", Value = value });
            }

            Assert.Equal(0, producer.Flush(Timeout));
        }

        // Every prediction (the first record has no previous value for its change target) names version 2.
        foreach (var pipeline in new[] { fromFile, bootstrapped })
        {
            var versions = Consume(pipeline.Definition.OutputTopic, records - 1)
                .Select(json => JsonDocument.Parse(json).RootElement.GetProperty("model_version").GetInt64()).ToList();
            Assert.Equal(records - 1, versions.Count);
            Assert.All(versions, v => Assert.Equal(2, v));
        }

        // Both are stored as the pipelines' first versions, so a restart loads them instead of starting over.
        var shape = fromFile.Definition.CreateShape();
        var stored = new ModelStore(_scratch.Combine("state"), "from-file").LoadLatest(shape)!;
        using (var file = File.OpenRead(model))
        {
            Assert.Equal(ModelWeights.ReadFrom(file, shape).Parameters.ToArray(), stored.Parameters.ToArray());
        }

        Assert.Equal(2, new ModelStore(_scratch.Combine("state"), "bootstrapped").LoadLatest(shape)!.Version);
        daemon.Terminate();
        Assert.Equal(0, await daemon.WaitForExitAsync(Timeout));
    }

    [Fact]
    public async Task A_Model_File_without_highway_is_widened_where_the_pipeline_has_one_and_forecasts_as_before()
    {
        // One weight file of the shape without highway (format version 1), two pipelines starting from it: Model:Highway
        // false (the file's own shape) and true (the file is widened with W_hw = 0).
        string model = _scratch.Combine("plain.srnn");
        var off = CreatePipeline("widen-off", $"\"Highway\": false, \"File\": {JsonSerializer.Serialize(model)}");
        var on = CreatePipeline("widen-on", $"\"Highway\": true, \"File\": {JsonSerializer.Serialize(model)}");
        var plain = off.Definition.CreateShape();
        Assert.Equal(0, plain.HighwayInputs);
        Assert.Equal(plain with { HighwayInputs = plain.InputSize }, on.Definition.CreateShape());
        ModelFiles.Save(model, ModelWeights.FromParameters(plain, ModelWeights.Initialize(plain, seed: 9, version: 5).Parameters, 5), "--out");
        Assert.Equal(1, File.ReadAllBytes(model)[4]); // format version 1

        await using var daemon = DaemonProcess.Start(
        [
            $"--Kafka:BootstrapServers={_cluster.BootstrapServers}",
            "--Kafka:GroupId=initial-widen",
            $"--PipelineFiles={off.File};{on.File}",
            "--Http:Url=http://127.0.0.1:0",
            $"--State:Directory={_scratch.Combine("state-widen")}",
        ]);
        await daemon.WaitForHttpAsync(Timeout);
        await daemon.WaitForLineAsync(l => l.Contains("Pipeline widen-on: starting from Model:File (version 5)", StringComparison.Ordinal), Timeout, "Model:File widened");
        const int records = 30;
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers }).Build())
        {
            for (int i = 0; i < records; i++)
            {
                string value = string.Create(CultureInfo.InvariantCulture, $"{{\"ts\": {FirstTimestamp + i * 300_000L}, \"value\": {70 + 3 * Math.Sin(0.4 * i):R}}}");
                producer.Produce(off.Definition.InputTopic, new Message<string, string> { Key = "m1", Value = value });
                producer.Produce(on.Definition.InputTopic, new Message<string, string> { Key = "m1", Value = value });
            }

            Assert.Equal(0, producer.Flush(Timeout));
        }

        static (string?, long, double, double) Forecast(string json)
        {
            var root = JsonDocument.Parse(json).RootElement;
            return (root.GetProperty("ts").GetString(), root.GetProperty("model_version").GetInt64(),
                root.GetProperty("mean").GetDouble(), root.GetProperty("stddev").GetDouble());
        }

        var expected = Consume(off.Definition.OutputTopic, records - 1).Select(Forecast).ToList();
        var actual = Consume(on.Definition.OutputTopic, records - 1).Select(Forecast).ToList();
        Assert.Equal(records - 1, expected.Count);
        Assert.Equal(expected, actual);
        Assert.All(actual, f => Assert.Equal(5, f.Item2));

        // Stored as the widened pipeline's first version: its shape has the highway, the highway weights are 0.
        var stored = new ModelStore(_scratch.Combine("state-widen"), "widen-on").LoadLatest(on.Definition.CreateShape())!;
        Assert.Equal(on.Definition.CreateShape(), stored.Shape);
        Assert.All(stored.Parameters[plain.ParameterCount..].ToArray(), v => Assert.Equal(0f, v));
        daemon.Terminate();
        Assert.Equal(0, await daemon.WaitForExitAsync(Timeout));
    }

    [Fact]
    public async Task A_missing_Model_File_stops_start_up_naming_the_setting_not_the_path()
    {
        string missing = _scratch.Combine("no-such-model.srnn");
        var pipeline = CreatePipeline("missing", $"\"File\": {JsonSerializer.Serialize(missing)}");
        await using var daemon = DaemonProcess.Start(
        [
            $"--Kafka:BootstrapServers={_cluster.BootstrapServers}",
            "--Kafka:GroupId=initial-missing",
            $"--PipelineFiles={pipeline.File}",
            "--Http:Url=http://127.0.0.1:0",
            $"--State:Directory={_scratch.Combine("state-missing")}",
        ]);

        Assert.NotEqual(0, await daemon.WaitForExitAsync(Timeout));
        Assert.Contains(daemon.Errors.Concat(daemon.Output), l => l.Contains("Pipelines:missing:Model:File: the file does not exist.", StringComparison.Ordinal));
        Assert.DoesNotContain(daemon.Errors.Concat(daemon.Output), l => l.Contains("no-such-model", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("garbage", "Bad magic")]
    [InlineData("truncated", "Truncated")]
    public async Task A_hostile_Model_File_stops_start_up_naming_the_setting(string kind, string problem)
    {
        // Random bytes, and a real model file cut short: the loader's checks name the setting and the problem.
        string path = _scratch.Combine($"{kind}.srnn");
        var pipeline = CreatePipeline(kind, $"\"File\": {JsonSerializer.Serialize(path)}");
        byte[] bytes = new byte[4096];
        new Random(17).NextBytes(bytes);
        if (kind == "truncated")
        {
            using var stream = new MemoryStream();
            ModelWeights.Initialize(pipeline.Definition.CreateShape(), seed: 1, version: 1).WriteTo(stream);
            bytes = stream.ToArray()[..(int)(stream.Length / 2)];
        }

        File.WriteAllBytes(path, bytes);
        await using var daemon = DaemonProcess.Start(
        [
            $"--Kafka:BootstrapServers={_cluster.BootstrapServers}",
            $"--Kafka:GroupId=initial-{kind}",
            $"--PipelineFiles={pipeline.File}",
            "--Http:Url=http://127.0.0.1:0",
            $"--State:Directory={_scratch.Combine("state-" + kind)}",
        ]);

        Assert.NotEqual(0, await daemon.WaitForExitAsync(Timeout));
        var lines = daemon.Errors.Concat(daemon.Output).ToList();
        Assert.Contains(lines, l => l.Contains($"Pipelines:{kind}:Model:File:", StringComparison.Ordinal) && l.Contains(problem, StringComparison.Ordinal));
    }

    private sealed record Pipeline(PipelineDefinition Definition, string File);

    private Pipeline CreatePipeline(string name, string modelSetting)
    {
        string json = $$"""
            {
              "Name": "{{name}}",
              "InputTopic": "initial.{{name}}",
              "OutputTopic": "initial.{{name}}.predictions",
              "DeadLetterTopic": "initial.{{name}}.dead-letters",
              "Key": { "Source": "RecordKey" },
              "EventTime": { "Source": "Field", "Field": "ts", "Format": "UnixMilliseconds" },
              "Features": [ { "Field": "value", "Transform": "ZScore" }, { "Field": "value", "Transform": "Difference" } ],
              "Target": { "Field": "value", "Transform": "Difference", "Horizon": 1 },
              "Normalization": { "HalfLife": 2000 },
              "Model": { "Cell": "Gru", "HiddenSize": 8, "Layers": 1, "Head": "Gaussian", "Seed": 3, {{modelSetting}} },
              "Training": { "Enabled": false, "WindowSteps": 16, "BatchWindows": 8, "LearningRate": 0.01 }
            }
            """;
        string file = _scratch.Write($"pipelines/{name}.json", json);
        var definition = PipelineDefinition.Load(file);
        foreach (string? topic in new[] { definition.InputTopic, definition.OutputTopic, definition.DeadLetterTopic, definition.ChangelogTopic, definition.ModelTopic })
        {
            _cluster.CreateTopic(topic, Partitions);
        }

        return new Pipeline(definition, file);
    }

    private List<string> Consume(string topic, int count) => TopicValues.Read(_cluster.BootstrapServers, topic, count, Timeout);

    public void Dispose()
    {
        _cluster.Dispose();
        _scratch.Dispose();
    }
}
