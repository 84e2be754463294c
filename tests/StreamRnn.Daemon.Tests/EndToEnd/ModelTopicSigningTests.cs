using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using StreamRnn.Core;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;
using StreamRnn.Kafka.Models;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// A daemon with <c>ModelTopic:SigningKey</c> refuses model records written to its model topic on the embedded broker
/// by anyone without the key (or with absurd contents), counts them on /metrics by reason, keeps serving the same
/// version, and never prints the key.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed partial class ModelTopicSigningTests
{
    private const string SigningKey = "model-signing-key-5e8d1c7a9b3f";

    [Fact]
    public async Task Forged_unsigned_and_absurd_model_records_are_refused_and_counted_and_the_served_model_is_unchanged()
    {
        using var scratch = new ScratchDirectory();
        await using var daemon = DaemonProcess.Start(
            ["--Http:Url=http://127.0.0.1:0", TestApiKey.Argument, "--Demo:Enabled=false", "--Kafka:InstanceId=daemon-a",
                $"--State:Directory={scratch.Combine("state")}"],
            workingDirectory: scratch.Path,
            environment: new Dictionary<string, string> { ["STREAMRNN_ModelTopic__SigningKey"] = SigningKey });
        var url = await daemon.WaitForHttpAsync(TimeSpan.FromSeconds(60));
        using var http = TestApiKey.Client(url);
        using var info = JsonDocument.Parse(await http.GetStringAsync("/info"));
        string bootstrap = info.RootElement.GetProperty("bootstrapServers").GetString()!;
        await daemon.WaitForLineAsync(l => l.Contains("Pipeline stocks:", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the stocks pipeline to start");
        long servedBefore = await ServedVersionAsync(http);

        var shape = PipelineDefinition.Load(Path.Combine(AppContext.BaseDirectory, "config", "pipelines", "stocks.json")).CreateShape();
        var signer = new ModelRecordSigner(SigningKey);
        var forger = new ModelRecordSigner("not-the-deployment-key-000");
        byte[] valid = ModelRecord.Encode(ModelWeights.Initialize(shape, 7, version: 99), 10);
        byte[] absurd = ModelRecord.Encode(ModelWeights.FromParameters(shape, Enumerable.Repeat(1e30f, shape.ParameterCount).ToArray(), 100), 10);
        byte[] huge = ModelRecord.Encode(ModelWeights.Initialize(shape, 8, version: long.MaxValue), 10);
        using (var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = bootstrap }).Build())
        {
            await ProduceAsync(producer, "leader", valid, null);
            await ProduceAsync(producer, "leader", valid, forger);
            await ProduceAsync(producer, "leader", absurd, signer);
            await ProduceAsync(producer, "other", huge, signer);
        }

        var expected = new Dictionary<string, double> { ["unsigned"] = 1, ["bad_signature"] = 1, ["magnitude"] = 1, ["version"] = 1 };
        Dictionary<string, double> counted = [];
        await daemon.WaitUntilAsync(
            async () =>
            {
                counted = Rejected(await http.GetStringAsync("/metrics"));
                return expected.All(e => counted.GetValueOrDefault(e.Key) == e.Value);
            },
            TimeSpan.FromSeconds(30), "the expected rejections on /metrics", TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, counted.GetValueOrDefault("non_finite"));
        Assert.Equal(servedBefore, await ServedVersionAsync(http));
        await daemon.WaitForLineAsync(l => l.Contains("Model record rejected on streamrnn.stocks.models", StringComparison.Ordinal)
            && l.Contains("bad_signature", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the rejection's log line");

        daemon.Terminate();
        Assert.Equal(0, await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.DoesNotContain(SigningKey, daemon.Transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("ModelTopic:SigningKey is not set", daemon.Transcript, StringComparison.Ordinal);
    }

    private static async Task<long> ServedVersionAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/pipelines/stocks/model");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var model = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return model.RootElement.GetProperty("version").GetInt64();
    }

    private static async Task ProduceAsync(IProducer<byte[], byte[]> producer, string instance, byte[] value, ModelRecordSigner? signer)
    {
        byte[] key = Encoding.UTF8.GetBytes(instance);
        var message = new Message<byte[], byte[]> { Key = key, Value = value, Headers = new Headers() };
        if (signer is not null)
        {
            message.Headers.Add(ModelRecordSigner.HeaderName, signer.Sign(key, value));
        }

        await producer.ProduceAsync("streamrnn.stocks.models", message);
    }

    private static Dictionary<string, double> Rejected(string metrics) =>
        RejectedLine().Matches(metrics).ToDictionary(m => m.Groups["reason"].Value,
            m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex("""^streamrnn_model_records_rejected_total\{pipeline="stocks",reason="(?<reason>[a-z_]+)"\} (?<value>\S+)$""", RegexOptions.Multiline)]
    private static partial Regex RejectedLine();
}
