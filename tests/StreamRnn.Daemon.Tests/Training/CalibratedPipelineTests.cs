using Microsoft.Extensions.Logging.Abstractions;
using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Daemon.Training;
using StreamRnn.Engine.Configuration;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Training;

/// <summary>
/// The pipeline file <c>streamrnn-tools calibrate</c> writes (<see cref="CalibratedPipeline"/>): copied into the
/// daemon's pipeline folder, the daemon's <see cref="InitialModel"/> starts it from the calibrated model, with the
/// chosen thresholds, whatever its content root.
/// </summary>
[Trait("Category", "Unit")]
public sealed class CalibratedPipelineTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    private static byte[] Shipped => File.ReadAllBytes(RepositoryRoot.Combine("config/pipelines/bed-exit.json"));

    [Fact]
    public void The_daemon_starts_a_copied_calibrated_pipeline_from_its_absolute_Model_File()
    {
        var shape = PipelineDefinition.Parse(Shipped).CreateShape();
        var calibrated = ModelWeights.Initialize(shape, seed: 5, version: 16);
        string model = _scratch.Combine("calibration", "model.srnn");
        ModelFiles.Save(model, calibrated, "--out");
        string json = CalibratedPipeline.Rewrite(Shipped, "bed-exit", model, 0.7, 0.35);

        // The user copies pipeline.json into the daemon's config/pipelines/ under another name.
        string copy = _scratch.Write("daemon/config/pipelines/room-12.json", json);
        var definition = PipelineDefinition.Load(copy);
        Assert.Empty(definition.Validate("room-12.json"));
        Assert.Equal("bed-exit", definition.Name);
        Assert.Equal(0.7, definition.Alerts!.Threshold);
        Assert.Equal(0.35, definition.Alerts.ClearThreshold);

        var weights = InitialModel.Resolve(definition, definition.CreateShape(), _scratch.Combine("daemon"), NullLogger.Instance);
        Assert.NotNull(weights);
        Assert.Equal(16, weights.Version);
        Assert.Equal(calibrated.Parameters.ToArray(), weights.Parameters.ToArray());
    }

    [Fact]
    public void A_relative_Model_File_resolves_against_the_content_root_not_the_pipeline_folder()
    {
        var shape = PipelineDefinition.Parse(Shipped).CreateShape();
        var calibrated = ModelWeights.Initialize(shape, seed: 6, version: 9);
        ModelFiles.Save(_scratch.Combine("daemon", "models", "room-12.srnn"), calibrated, "--out");
        string copy = _scratch.Write("daemon/config/pipelines/room-12.json", CalibratedPipeline.Rewrite(Shipped, "bed-exit", "models/room-12.srnn", 0.6, 0.3));
        var definition = PipelineDefinition.Load(copy);

        var weights = InitialModel.Resolve(definition, shape, _scratch.Combine("daemon"), NullLogger.Instance);
        Assert.Equal(calibrated.Parameters.ToArray(), weights!.Parameters.ToArray());
        var missing = Assert.Throws<InvalidOperationException>(() =>
            InitialModel.Resolve(definition, shape, _scratch.Combine("daemon", "config", "pipelines"), NullLogger.Instance));
        Assert.Equal("Pipelines:bed-exit:Model:File: the file does not exist.", missing.Message);
    }

    [Fact]
    public void Only_Name_Model_File_and_the_thresholds_change_and_setting_names_are_matched_in_any_case()
    {
        const string input = """
            // a comment
            { "inputTopic": "in", "outputTopic": "out", "alertTopic": "alerts",
              "model": { "cell": "Gru", "hiddenSize": 4, "head": "Binary", "FILE": "old.srnn" },
              "target": { "field": "y", "transform": "Raw" },
              "alerts": { "threshold": 0.4, "clearthreshold": 0.2, "Window": "00:00:15" }, }
            """;
        string json = CalibratedPipeline.Rewrite(System.Text.Encoding.UTF8.GetBytes(input), "room", "/models/m.srnn", 0.8, 0.4);
        var definition = PipelineDefinition.Parse(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Equal("room", definition.Name);
        Assert.Equal("/models/m.srnn", definition.Model.File);
        Assert.Equal((0.8, 0.4), (definition.Alerts!.Threshold, definition.Alerts.ClearThreshold));
        Assert.Equal(TimeSpan.FromSeconds(15), definition.Alerts.Window);
        Assert.Equal(4, definition.Model.HiddenSize);
        Assert.DoesNotContain("old.srnn", json, StringComparison.Ordinal);
        // Replaced in place as spelt, not added beside in another case.
        Assert.Contains("\"threshold\": 0.8", json, StringComparison.Ordinal);
        Assert.Contains("\"clearthreshold\": 0.4", json, StringComparison.Ordinal);
        Assert.Contains("\"FILE\": \"/models/m.srnn\"", json, StringComparison.Ordinal);
        foreach (string added in new[] { "\"Threshold\"", "\"ClearThreshold\"", "\"File\"", "\"Alerts\"", "\"Model\"" })
        {
            Assert.DoesNotContain(added, json, StringComparison.Ordinal);
        }
    }

    public void Dispose() => _scratch.Dispose();
}
