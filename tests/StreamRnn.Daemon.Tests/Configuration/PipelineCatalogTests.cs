using StreamRnn.Daemon.Configuration;
using StreamRnn.Daemon.Pipelines;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Tests.Configuration;

[Trait("Category", "Unit")]

public sealed class PipelineCatalogTests
{
    /// <summary>The build copies config/pipelines next to the executable; those are the repository's files.</summary>
    private static string BuiltContentRoot => AppContext.BaseDirectory;

    [Fact]
    public void Shipped_pipelines_load_and_validate()
    {
        var catalog = PipelineCatalog.Load(new PipelineSourceOptions(), BuiltContentRoot);

        Assert.Equal(["bed-exit", "machine-temperature", "stocks"], catalog.Pipelines.Select(p => p.Definition.Name));
        foreach (var pipeline in catalog.Pipelines)
        {
            Assert.Empty(pipeline.Definition.Validate());
            Assert.Equal(Path.Combine("config", "pipelines", pipeline.Definition.Name + ".json"), pipeline.Source);
        }
    }

    [Fact]
    public void Shipped_pipelines_use_the_bundled_data_fields()
    {
        var catalog = PipelineCatalog.Load(new PipelineSourceOptions(), BuiltContentRoot);
        var columns = new Dictionary<string, string>
        {
            ["stocks"] = "stocks_sp500_daily_5sym.csv",
            ["machine-temperature"] = "nab_machine_temperature_system_failure.csv",
            ["bed-exit"] = "bed_exit_rfid_room1_4trials.csv",
        };
        foreach (var (name, file) in columns)
        {
            string[] header = File.ReadLines(Path.Combine(BuiltContentRoot, "DemoData", file)).First().Split(',');
            var definition = catalog.Find(name)!;
            Assert.All(definition.Features, f => Assert.Contains(f.Field, header));
            Assert.Contains(definition.Target.Field, header);
            if (definition.Key.Source == KeySource.Field)
            {
                Assert.Contains(definition.Key.Field, header);
            }
        }

        Assert.Equal(Core.HeadKind.Gaussian, catalog.Find("stocks")!.Model.Head);
        Assert.Equal(TargetTransform.LogReturn, catalog.Find("stocks")!.Target.Transform);
        Assert.Equal(Core.HeadKind.Gaussian, catalog.Find("machine-temperature")!.Model.Head);
        Assert.Contains(catalog.Find("machine-temperature")!.Features, f => f.Transform == FeatureTransform.ZScore);
        Assert.Equal(Core.HeadKind.Binary, catalog.Find("bed-exit")!.Model.Head);
    }

    [Fact]
    public void Inline_pipelines_come_first_and_errors_name_their_path()
    {
        using var scratch = new ScratchDirectory();
        var bad = new PipelineDefinition { Name = "x", InputTopic = "in", OutputTopic = "out", Target = new TargetOptions { Field = "v" } };
        bad.Features.Add(new FeatureOptions { Field = "v" });
        bad.Model.HiddenSize = 0;
        var options = new PipelineSourceOptions { Pipelines = [bad], PipelineFiles = "" };

        var exception = Assert.Throws<InvalidPipelineException>(() => PipelineCatalog.Load(options, scratch.Path));

        Assert.Equal(["Pipelines:0:Model:HiddenSize: must be between 1 and 4096"], exception.Errors);
    }

    [Fact]
    public void Duplicate_names_and_shared_topics_are_errors()
    {
        using var scratch = new ScratchDirectory();
        string shipped = File.ReadAllText(Path.Combine(BuiltContentRoot, "config", "pipelines", "stocks.json"));
        scratch.Write("p/a.json", shipped);
        scratch.Write("p/b.json", shipped);

        var exception = Assert.Throws<InvalidPipelineException>(
            () => PipelineCatalog.Load(new PipelineSourceOptions { PipelineFiles = "p/*.json" }, scratch.Path));

        string b = Path.Combine("p", "b.json");
        string a = Path.Combine("p", "a.json");
        Assert.Equal(
            [
                $"{b}:Name: has the same value as in {a}: pipelines need distinct values",
                $"{b}:InputTopic: has the same value as in {a}: pipelines need distinct values",
                $"{b}:ChangelogTopic: has the same value as in {a}: pipelines need distinct values",
                $"{b}:ModelTopic: has the same value as in {a}: pipelines need distinct values",
            ],
            exception.Errors);
    }

    [Fact]
    public void Several_patterns_absolute_paths_and_missing_files()
    {
        using var scratch = new ScratchDirectory();
        string shipped = File.ReadAllText(Path.Combine(BuiltContentRoot, "config", "pipelines", "bed-exit.json"));
        string single = scratch.Write("one/bed.json", shipped);
        scratch.Write("two/deep/t.json", File.ReadAllText(Path.Combine(BuiltContentRoot, "config", "pipelines", "machine-temperature.json")));

        var catalog = PipelineCatalog.Load(new PipelineSourceOptions { PipelineFiles = $"{single}; two/**/*.json" }, scratch.Path);
        Assert.Equal(["bed-exit", "machine-temperature"], catalog.Pipelines.Select(p => p.Definition.Name));

        var missing = Assert.Throws<InvalidPipelineException>(
            () => PipelineCatalog.Load(new PipelineSourceOptions { PipelineFiles = "none.json" }, scratch.Path));
        Assert.Equal([$"PipelineFiles: names a file that does not exist: {scratch.Combine("none.json")}"], missing.Errors);

        var empty = Assert.Throws<InvalidPipelineException>(
            () => PipelineCatalog.Load(new PipelineSourceOptions { PipelineFiles = "nothing/*.json" }, scratch.Path));
        Assert.Equal([$"PipelineFiles: matched no file under {scratch.Path} and Pipelines is empty: configure at least one pipeline"], empty.Errors);
    }

    [Fact]
    public void A_file_with_a_misspelt_setting_is_reported_with_its_path()
    {
        using var scratch = new ScratchDirectory();
        scratch.Write("p/x.json", """{ "Name": "x", "InputTopc": "in" }""");

        var exception = Assert.Throws<InvalidPipelineException>(
            () => PipelineCatalog.Load(new PipelineSourceOptions { PipelineFiles = "p/*.json" }, scratch.Path));

        string error = Assert.Single(exception.Errors);
        Assert.StartsWith(scratch.Combine("p", "x.json") + ": ", error, StringComparison.Ordinal);
        Assert.Contains("InputTopc", error, StringComparison.Ordinal);
    }
}
