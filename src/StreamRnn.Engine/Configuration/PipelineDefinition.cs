using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using StreamRnn.Core;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Forecasting;
using StreamRnn.Engine.Output;
using StreamRnn.Engine.Scoring;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Configuration;

/// <summary>
/// Everything that defines one pipeline: topics, how a record becomes a key, an event time, features and a
/// target, the model and the state bounds. Plain settable properties, so it binds from
/// Microsoft.Extensions.Configuration (enums as strings) and loads from a JSON file with <see cref="Load"/>.
/// </summary>
public sealed partial class PipelineDefinition
{
    /// <summary>The topic where records that cannot be processed go unless configured otherwise.</summary>
    public const string DefaultDeadLetterTopic = "streamrnn.dead-letters";

    /// <summary>Largest hidden size accepted.</summary>
    public const int MaxHiddenSize = 4096;

    /// <summary>Most network parameters a definition may imply (50 million floats = 200 MB of weights, before optimiser state).</summary>
    public const long MaxParameters = 50_000_000;

    /// <summary>Parameters of the recurrent layers and head (the core's count, in long so it cannot overflow).</summary>
    internal static long ParameterCount(CellKind cell, int inputs, int hidden, int layers)
    {
        long gates = cell switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };
        long gh = gates * hidden;
        return gh * (inputs + hidden + 2) + (layers - 1) * gh * (2L * hidden + 2) + 2L * (hidden + 1);
    }

    private string? _changelogTopic;
    private string? _modelTopic;

    /// <summary>Unique name; appears in metrics labels, prediction records and default topic names.</summary>
    public string Name { get; set; } = "";

    public string InputTopic { get; set; } = "";
    public string OutputTopic { get; set; } = "";

    /// <summary>Optional; no alerts are produced when empty.</summary>
    public string? AlertTopic { get; set; }

    public string DeadLetterTopic { get; set; } = DefaultDeadLetterTopic;

    /// <summary>Compacted topic holding each key's state; default "streamrnn.&lt;name&gt;.changelog".</summary>
    public string ChangelogTopic
    {
        get => string.IsNullOrEmpty(_changelogTopic) ? $"streamrnn.{Name}.changelog" : _changelogTopic;
        set => _changelogTopic = value;
    }

    /// <summary>Compacted topic holding published weight versions; default "streamrnn.&lt;name&gt;.models".</summary>
    public string ModelTopic
    {
        get => string.IsNullOrEmpty(_modelTopic) ? $"streamrnn.{Name}.models" : _modelTopic;
        set => _modelTopic = value;
    }

    public KeyOptions Key { get; set; } = new();
    public EventTimeOptions EventTime { get; set; } = new();
    public List<FeatureOptions> Features { get; set; } = [];
    public TargetOptions Target { get; set; } = new();
    public NormalizationOptions Normalization { get; set; } = new();
    public ModelOptions Model { get; set; } = new();
    public StateOptions State { get; set; } = new();

    /// <summary>Online retraining (off by default); validated with the rest of the definition.</summary>
    public TrainingOptions Training { get; set; } = new();

    /// <summary>Alert rules on a Binary head's predictions (to AlertTopic); null = no alerts.</summary>
    public AlertOptions? Alerts { get; set; }

    /// <summary>The per-key linear path beside the network (off unless enabled).</summary>
    public LinearOptions Linear { get; set; } = new();

    /// <summary>Prediction record settings (warm-up of a key's intervals).</summary>
    public OutputOptions Output { get; set; } = new();

    /// <summary>The baselines scored beside the model (AR order, forgetting, season).</summary>
    public BaselineOptions Baselines { get; set; } = new();

    /// <summary>Most records of distinct keys stepped together in one batched call.</summary>
    public int MaxBatch { get; set; } = 256;

    /// <summary>Largest record value accepted; larger ones are dead-lettered as OversizedRecord.</summary>
    public int MaxRecordBytes { get; set; } = 64 * 1024;

    public LateRecordPolicy LateRecords { get; set; } = LateRecordPolicy.Apply;

    /// <summary>Limits on input records (Input:MaxFutureSkew).</summary>
    public InputOptions Input { get; set; } = new();

    /// <summary>Network inputs: the sum of the features' widths.</summary>
    public int InputSize
    {
        get
        {
            int size = 0;
            foreach (var feature in Features)
            {
                size += feature.Width;
            }

            return size;
        }
    }

    /// <summary>
    /// The network shape this definition implies (a Categorical head has one class per Target:Categories entry; with
    /// Model:Highway on, the highway connects every input).
    /// </summary>
    public ModelShape CreateShape() => new(Model.Cell, InputSize, Model.HiddenSize, Model.Layers, Model.Head,
        Model.Head == HeadKind.Categorical ? Target.Categories?.Count ?? 0 : 0, HighwayInputs: Model.UsesHighway() ? InputSize : 0,
        Horizons: Target.HorizonList().Length);

    /// <summary>
    /// Reads a pipeline from a JSON file (config/pipelines/*.json): property names as here (case-insensitive),
    /// enums as strings, TimeSpans as "d.hh:mm:ss", comments and trailing commas allowed, unknown properties
    /// rejected (a misspelt setting is an error, not a silent default). A missing Name is taken from the file name.
    /// Does not validate: call <see cref="Validate"/>.
    /// </summary>
    public static PipelineDefinition Load(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            return Parse(bytes, Path.GetFileNameWithoutExtension(path));
        }
        catch (JsonException exception)
        {
            throw new InvalidPipelineException(
                [$"{path}: {exception.Path} (line {exception.LineNumber + 1}): {exception.Message}"]);
        }
    }

    /// <summary>Parses a pipeline from JSON; see <see cref="Load"/>. Throws <see cref="JsonException"/> on bad JSON.</summary>
    public static PipelineDefinition Parse(ReadOnlySpan<byte> utf8Json, string? defaultName = null)
    {
        // Editors on Windows save UTF-8 with a byte order mark, which the JSON reader refuses.
        if (utf8Json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            utf8Json = utf8Json[3..];
        }

        var definition = JsonSerializer.Deserialize<PipelineDefinition>(utf8Json, JsonOptions)
            ?? throw new JsonException("The file holds null instead of a pipeline object.");
        if (string.IsNullOrEmpty(definition.Name) && defaultName is not null)
        {
            definition.Name = defaultName;
        }

        return definition;
    }

    /// <summary>Writes this definition as indented JSON in the format <see cref="Load"/> reads.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        IgnoreReadOnlyProperties = true,
    };
}
