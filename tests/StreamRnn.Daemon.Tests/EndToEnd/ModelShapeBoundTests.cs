using StreamRnn.Daemon.Tests.Support;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// A pipeline shape too large for the core (it once passed validation and then stopped the daemon with exit 1 and a
/// stack trace) stops start-up as a configuration error: exit code 3, naming the setting and the problem.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ModelShapeBoundTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    [Fact]
    public async Task A_shape_over_the_parameter_bound_exits_3_naming_the_setting_without_a_stack_trace()
    {
        string file = _scratch.Write("pipelines/huge.json", """
            {
              "Name": "huge",
              "InputTopic": "huge.in",
              "OutputTopic": "huge.out",
              "Key": { "Source": "RecordKey" },
              "Features": [ { "Field": "value", "Transform": "Raw" } ],
              "Target": { "Field": "value", "Transform": "Raw", "Horizon": 1 },
              "Model": { "Cell": "Lstm", "HiddenSize": 4096, "Layers": 8, "Head": "Gaussian", "Seed": 1 }
            }
            """);
        await using var daemon = DaemonProcess.Start([$"--PipelineFiles={file}", "--Http:Url=http://127.0.0.1:0",
            $"--State:Directory={_scratch.Combine("state")}"]);

        int code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(code == 3, $"exit code {code}\n{daemon.Transcript}");
        Assert.Contains(daemon.Errors, l => l.Contains("Model:HiddenSize", StringComparison.Ordinal)
            && l.Contains("more than 50 million parameters", StringComparison.Ordinal));
        Assert.DoesNotContain(daemon.Errors.Concat(daemon.Output), l => l.Contains("   at ", StringComparison.Ordinal));
        Assert.DoesNotContain(daemon.Output, l => l.Contains("Embedded Kafka broker started", StringComparison.Ordinal));
    }

    public void Dispose() => _scratch.Dispose();
}
