using Microsoft.Extensions.Configuration;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Training;
using StreamRnn.Tests.Support;

namespace StreamRnn.Engine.Tests;

[Trait("Category", "Unit")]

public sealed class PipelineDefinitionTests
{
    [Fact]
    public void A_good_definition_has_no_errors_and_default_topics()
    {
        var definition = TestPipelines.Stocks();
        Assert.Empty(definition.Validate());
        Assert.Equal("streamrnn.dead-letters", definition.DeadLetterTopic);
        Assert.Equal("streamrnn.stocks.changelog", definition.ChangelogTopic);
        Assert.Equal("streamrnn.stocks.models", definition.ModelTopic);
        Assert.Equal(3, definition.InputSize);
    }

    public static TheoryData<string, string> BadSettings() => new()
    {
        { "Model:HiddenSize=0", "Pipelines:stocks:Model:HiddenSize: must be between 1 and 4096" },
        { "Model:HiddenSize=5000", "Pipelines:stocks:Model:HiddenSize: must be between 1 and 4096" },
        { "Model:Layers=9", "Pipelines:stocks:Model:Layers: must be between 1 and 8" },
        { "MaxBatch=0", "Pipelines:stocks:MaxBatch: must be between 1 and 65536" },
        { "MaxRecordBytes=10", "Pipelines:stocks:MaxRecordBytes: must be between 64 and 16777216" },
        { "Target:Horizon=0", "Pipelines:stocks:Target:Horizon: must be between 1 and 1000" },
        { "State:MaxKeys=0", "Pipelines:stocks:State:MaxKeys: must be between 1 and 100000000" },
        { "State:IdleTtl=0", "Pipelines:stocks:State:IdleTtl: must be positive" },
        { "InputTopic=", "Pipelines:stocks:InputTopic: is required" },
        { "OutputTopic=bad topic!", "Pipelines:stocks:OutputTopic: is not a valid Kafka topic name (1 to 249 of letters, digits, '.', '_' or '-')" },
        { "OutputTopic=prices", "Pipelines:stocks:OutputTopic: must differ from InputTopic (writing to the input would feed outputs back in)" },
        { "Key:Field=", "Pipelines:stocks:Key:Field: is required when Key:Source is Field" },
        { "EventTime:Field=", "Pipelines:stocks:EventTime:Field: is required when EventTime:Source is Field" },
        { "Features:0:Field=", "Pipelines:stocks:Features:0:Field: is required" },
        { "Features=", "Pipelines:stocks:Features: at least one feature is required" },
        { "Features:1:Transform=OneHot", "Pipelines:stocks:Features:1:Categories: a OneHot feature needs at least one category" },
        { "Features:1:Transform=LogRatio", "Pipelines:stocks:Features:1:Over: is required when Transform is LogRatio (the divisor field, e.g. low for ln(high / low))" },
        { "Features:1:Over=open", "Pipelines:stocks:Features:1:Over: only a LogRatio feature has an Over field, this one is ZScore" },
        { "Features:0:Over=close", "Pipelines:stocks:Features:0:Over: only a LogRatio feature has an Over field, this one is LogReturn" },
        { "Normalization:HalfLife=-1", "Pipelines:stocks:Normalization:HalfLife: must be a finite number of steps ≥ 0 (0 = never forget)" },
        { "Model:Head=Binary", "Pipelines:stocks:Target:Transform: a Binary head forecasts a 0/1 target: use Raw, Exit or OutWithin" },
        { "Model:Cell=7", "Pipelines:stocks:Model:Cell: must be one of Rnn, Lstm, Gru" },
    };

    [Theory]
    [InlineData(HeadKind.Gaussian, null, false)]
    [InlineData(HeadKind.Linear, null, false)]
    [InlineData(HeadKind.Binary, null, false)]
    [InlineData(HeadKind.Gaussian, true, true)]
    [InlineData(HeadKind.Linear, false, false)]
    [InlineData(HeadKind.Binary, true, true)]
    public void Model_Highway_is_off_unless_set_and_connects_every_input(HeadKind head, bool? highway, bool on)
    {
        var definition = TestPipelines.Stocks();
        definition.Model.Head = head;
        definition.Model.Highway = highway;
        Assert.Equal(on, definition.Model.UsesHighway());
        var shape = definition.CreateShape();
        Assert.Equal(on ? definition.InputSize : 0, shape.HighwayInputs);
        Assert.Equal(shape with { HighwayInputs = 0 }, definition.CreateShape() with { HighwayInputs = 0 });

        // From JSON: "Highway" is a known Model setting.
        var parsed = PipelineDefinition.Parse(System.Text.Encoding.UTF8.GetBytes(definition.ToJson()));
        Assert.Equal(highway, parsed.Model.Highway);
        Assert.Equal(shape, parsed.CreateShape());
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    public void A_pipeline_name_that_could_leave_the_state_directory_is_refused(string name)
    {
        var definition = TestPipelines.Stocks();
        definition.Name = name;
        definition.ChangelogTopic = "stocks.changelog";
        definition.ModelTopic = "stocks.models";
        Assert.Contains(
            "Pipelines:stocks:Name: must be 1 to 100 characters of letters, digits, '.', '_' or '-', and not '.' or '..'",
            definition.Validate("Pipelines:stocks"));
    }

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Each_error_names_the_setting_never_its_value(string change, string expected)
    {
        var definition = TestPipelines.Stocks();
        Apply(definition, change);
        var errors = definition.Validate();
        Assert.Equal([expected], errors);
        var exception = Assert.Throws<InvalidPipelineException>(() => definition.EnsureValid());
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Training_settings_are_validated_with_the_pipeline_and_load_from_json()
    {
        var definition = TestPipelines.Stocks();
        definition.Training.LearningRate = -1;
        Assert.Contains(definition.Validate(), e => e.StartsWith("Pipelines:stocks:Training:LearningRate: ", StringComparison.Ordinal));

        var loaded = PipelineDefinition.Parse("""
            { "Name": "t", "InputTopic": "a", "OutputTopic": "b", "Features": [ { "Field": "x" } ], "Target": { "Field": "x" },
              "Training": { "Enabled": true, "WindowSteps": 8, "TrainEveryInterval": "00:01:00" } }
            """u8);
        Assert.Empty(loaded.Validate());
        Assert.True(loaded.Training.Enabled);
        Assert.Equal(8, loaded.Training.WindowSteps);
        Assert.Equal(TimeSpan.FromMinutes(1), loaded.Training.TrainEveryInterval);
    }

    [Fact]
    public void The_shipped_pipeline_files_load_and_validate()
    {
        string[] files = Directory.GetFiles(RepositoryRoot.Combine("config/pipelines"), "*.json");
        Assert.NotEmpty(files);
        foreach (string file in files)
        {
            var definition = PipelineDefinition.Load(file);
            Assert.Equal([], definition.Validate());
            _ = TestPipelines.Runtime(definition);
        }
    }

    [Fact]
    public void The_prefix_can_name_an_inline_list_entry()
    {
        var definition = TestPipelines.Stocks();
        definition.Model.HiddenSize = 0;
        Assert.Equal(["Pipelines:3:Model:HiddenSize: must be between 1 and 4096"], definition.Validate("Pipelines:3"));
    }

    [Fact]
    public void Loads_a_json_file_with_string_enums_and_time_spans()
    {
        string path = Path.Combine(Path.GetTempPath(), $"engine-test-{Guid.NewGuid():N}", "machine-temp.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, """
            {
              // comments are allowed
              "InputTopic": "nab.machine-temperature",
              "OutputTopic": "nab.predictions",
              "EventTime": { "Source": "Field", "Field": "timestamp", "Format": "Iso8601" },
              "features": [ { "Field": "value", "Transform": "ZScore" } ],
              "Target": { "Field": "value", "Transform": "Difference", "Horizon": 3 },
              "Model": { "Cell": "Gru", "HiddenSize": 24, "Layers": 2, "Head": "Gaussian", "Seed": 5 },
              "State": { "IdleTtl": "02:30:00", "MaxKeys": 1000, "WhenFull": "DeadLetter" },
              "LateRecords": "Drop",
            }
            """);
        try
        {
            var definition = PipelineDefinition.Load(path);
            Assert.Empty(definition.Validate());
            Assert.Equal("machine-temp", definition.Name);
            Assert.Equal(EventTimeFormat.Iso8601, definition.EventTime.Format);
            Assert.Equal(FeatureTransform.ZScore, Assert.Single(definition.Features).Transform);
            Assert.Equal(TargetTransform.Difference, definition.Target.Transform);
            Assert.Equal(3, definition.Target.Horizon);
            Assert.Equal(new ModelShape(CellKind.Gru, 1, 24, 2, HeadKind.Gaussian), definition.CreateShape()); // Model:Highway off unless set
            Assert.Equal(TimeSpan.FromMinutes(150), definition.State.IdleTtl);
            Assert.Equal(WhenFullPolicy.DeadLetter, definition.State.WhenFull);
            Assert.Equal(LateRecordPolicy.Drop, definition.LateRecords);
            Assert.Equal("streamrnn.machine-temp.changelog", definition.ChangelogTopic);

            // Round trip through ToJson.
            var again = PipelineDefinition.Parse(System.Text.Encoding.UTF8.GetBytes(definition.ToJson()));
            Assert.Equal(definition.ToJson(), again.ToJson());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public void A_misspelt_setting_in_a_file_is_an_error_naming_it()
    {
        string path = Path.Combine(Path.GetTempPath(), $"engine-test-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "Name": "x", "Model": { "HiddenSzie": 8 } }""");
        try
        {
            var exception = Assert.Throws<InvalidPipelineException>(() => PipelineDefinition.Load(path));
            Assert.Contains("HiddenSzie", exception.Message, StringComparison.Ordinal);
            Assert.Contains(path, exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Binds_from_configuration_with_enums_as_strings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipelines:0:Name"] = "bed-exit",
            ["Pipelines:0:InputTopic"] = "rfid",
            ["Pipelines:0:OutputTopic"] = "rfid.predictions",
            ["Pipelines:0:Key:Source"] = "Field",
            ["Pipelines:0:Key:Field"] = "trial",
            ["Pipelines:0:Features:0:Field"] = "rssi",
            ["Pipelines:0:Features:0:Transform"] = "ZScore",
            ["Pipelines:0:Features:1:Field"] = "antenna",
            ["Pipelines:0:Features:1:Transform"] = "OneHot",
            ["Pipelines:0:Features:1:Categories:0"] = "1",
            ["Pipelines:0:Features:1:Categories:1"] = "2",
            ["Pipelines:0:Target:Field"] = "out_of_bed",
            ["Pipelines:0:Model:Cell"] = "Rnn",
            ["Pipelines:0:Model:Head"] = "Binary",
            ["Pipelines:0:State:IdleTtl"] = "00:10:00",
            ["Pipelines:0:LateRecords"] = "Drop",
        }).Build();

        var definitions = configuration.GetSection("Pipelines").Get<List<PipelineDefinition>>()!;
        var definition = Assert.Single(definitions);
        Assert.Empty(definition.Validate());
        Assert.Equal(KeySource.Field, definition.Key.Source);
        Assert.Equal(["1", "2"], definition.Features[1].Categories);
        Assert.Equal(3, definition.InputSize);
        Assert.Equal(CellKind.Rnn, definition.Model.Cell);
        Assert.Equal(HeadKind.Binary, definition.Model.Head);
        Assert.Equal(TimeSpan.FromMinutes(10), definition.State.IdleTtl);
        Assert.Equal(LateRecordPolicy.Drop, definition.LateRecords);
        Assert.Equal(32, definition.Model.HiddenSize);
    }

    private static void Apply(PipelineDefinition d, string change)
    {
        string[] parts = change.Split('=', 2);
        string value = parts[1];
        switch (parts[0])
        {
            case "Model:HiddenSize": d.Model.HiddenSize = int.Parse(value); break;
            case "Model:Layers": d.Model.Layers = int.Parse(value); break;
            case "Model:Head": d.Model.Head = Enum.Parse<HeadKind>(value); break;
            case "Model:Cell": d.Model.Cell = (CellKind)int.Parse(value); break;
            case "MaxBatch": d.MaxBatch = int.Parse(value); break;
            case "MaxRecordBytes": d.MaxRecordBytes = int.Parse(value); break;
            case "Target:Horizon": d.Target.Horizon = int.Parse(value); break;
            case "State:MaxKeys": d.State.MaxKeys = int.Parse(value); break;
            case "State:IdleTtl": d.State.IdleTtl = TimeSpan.FromSeconds(int.Parse(value)); break;
            case "InputTopic": d.InputTopic = value; break;
            case "OutputTopic": d.OutputTopic = value; break;
            case "Key:Field": d.Key.Field = value; break;
            case "EventTime:Field": d.EventTime.Field = value; break;
            case "Features:0:Field": d.Features[0].Field = value; break;
            case "Features": d.Features.Clear(); break;
            case "Features:1:Transform": d.Features[1].Transform = Enum.Parse<FeatureTransform>(value); break;
            case "Features:1:Over": d.Features[1].Over = value; break;
            case "Features:0:Over": d.Features[0].Over = value; break;
            case "Normalization:HalfLife": d.Normalization.HalfLife = double.Parse(value); break;
            default: throw new ArgumentException(change);
        }
    }
}
