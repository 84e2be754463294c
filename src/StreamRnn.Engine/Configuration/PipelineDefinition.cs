using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using StreamRnn.Core;

namespace StreamRnn.Engine;

/// <summary>
/// Everything that defines one pipeline: topics, how a record becomes a key, an event time, features and a
/// target, the model and the state bounds. Plain settable properties, so it binds from
/// Microsoft.Extensions.Configuration (enums as strings) and loads from a JSON file with <see cref="Load"/>.
/// </summary>
public sealed class PipelineDefinition
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

    /// <summary>The network shape this definition implies.</summary>
    public ModelShape CreateShape() => new(Model.Cell, InputSize, Model.HiddenSize, Model.Layers, Model.Head);

    /// <summary>
    /// Checks every setting. Each error names the setting (prefixed with <paramref name="settingPrefix"/>,
    /// by default "Pipelines:&lt;Name&gt;"), never its value, e.g. "Pipelines:stocks:Model:HiddenSize: must be
    /// between 1 and 4096". An empty list means valid.
    /// </summary>
    public IReadOnlyList<string> Validate(string? settingPrefix = null)
    {
        var errors = new List<string>();
        string prefix = settingPrefix ?? $"Pipelines:{(string.IsNullOrEmpty(Name) ? "?" : Name)}";

        void Error(string setting, object? value, string problem) =>
            errors.Add(SettingProblem.Format($"{prefix}:{setting}", value, problem));

        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 100 || !IsTopicLike(Name) || Name is "." or "..")
        {
            // The name becomes a directory of the state directory: "." and ".." would escape or share it.
            Error(nameof(Name), Name, "must be 1 to 100 characters of letters, digits, '.', '_' or '-', and not '.' or '..'");
        }

        CheckTopic(nameof(InputTopic), InputTopic, required: true);
        CheckTopic(nameof(OutputTopic), OutputTopic, required: true);
        CheckTopic(nameof(AlertTopic), AlertTopic, required: false);
        CheckTopic(nameof(DeadLetterTopic), DeadLetterTopic, required: true);
        CheckTopic(nameof(ChangelogTopic), ChangelogTopic, required: true);
        CheckTopic(nameof(ModelTopic), ModelTopic, required: true);
        foreach (var (setting, topic) in new[]
                 {
                     (nameof(OutputTopic), OutputTopic), (nameof(AlertTopic), AlertTopic ?? ""),
                     (nameof(DeadLetterTopic), DeadLetterTopic), (nameof(ChangelogTopic), ChangelogTopic),
                     (nameof(ModelTopic), ModelTopic),
                 })
        {
            if (topic.Length > 0 && string.Equals(topic, InputTopic, StringComparison.Ordinal))
            {
                Error(setting, topic, $"must differ from InputTopic (writing to the input would feed outputs back in)");
            }
        }

        if (string.Equals(ChangelogTopic, ModelTopic, StringComparison.Ordinal))
        {
            Error(nameof(ModelTopic), ModelTopic, "must differ from ChangelogTopic");
        }

        if (Key is null)
        {
            Error(nameof(Key), null, "is required");
        }
        else
        {
            CheckEnum("Key:Source", Key.Source);
            if (Key.Source == KeySource.Field && string.IsNullOrWhiteSpace(Key.Field))
            {
                Error("Key:Field", Key.Field, "is required when Key:Source is Field");
            }
        }

        if (EventTime is null)
        {
            Error(nameof(EventTime), null, "is required");
        }
        else
        {
            CheckEnum("EventTime:Source", EventTime.Source);
            CheckEnum("EventTime:Format", EventTime.Format);
            if (EventTime.Source == EventTimeSource.Field && string.IsNullOrWhiteSpace(EventTime.Field))
            {
                Error("EventTime:Field", EventTime.Field, "is required when EventTime:Source is Field");
            }
        }

        if (Features is null || Features.Count == 0)
        {
            Error(nameof(Features), Features?.Count ?? 0, "at least one feature is required");
        }
        else
        {
            var seen = new HashSet<(string, FeatureTransform)>();
            for (int i = 0; i < Features.Count; i++)
            {
                var feature = Features[i];
                string at = $"Features:{i}";
                if (feature is null)
                {
                    Error(at, null, "is empty");
                    continue;
                }

                if (string.IsNullOrWhiteSpace(feature.Field))
                {
                    Error($"{at}:Field", feature.Field, "is required");
                }

                CheckEnum($"{at}:Transform", feature.Transform);
                if (feature.Transform == FeatureTransform.LogRatio)
                {
                    if (string.IsNullOrWhiteSpace(feature.Over))
                    {
                        Error($"{at}:Over", feature.Over, "is required when Transform is LogRatio (the divisor field, e.g. low for ln(high / low))");
                    }
                    else if (feature.Over == feature.Field)
                    {
                        Error($"{at}:Over", feature.Over, "must differ from Field (ln(x / x) is always 0)");
                    }
                }
                else if (!string.IsNullOrEmpty(feature.Over))
                {
                    Error($"{at}:Over", feature.Over, $"only a LogRatio feature has an Over field, this one is {feature.Transform}");
                }

                // Two LogRatio features may share Field with different Over fields; anything else listed twice is a mistake.
                string identity = feature.Transform == FeatureTransform.LogRatio ? $"{feature.Field}\0{feature.Over}" : feature.Field ?? "";
                if (!seen.Add((identity, feature.Transform)))
                {
                    Error($"{at}:Field", feature.Field, $"is listed twice with Transform {feature.Transform}");
                }

                CategoryAgeRules.Check(Features, i, Error);
                if (feature.Transform is FeatureTransform.OneHot or FeatureTransform.CategoryAge)
                {
                    if (feature.Categories is null || feature.Categories.Count == 0)
                    {
                        Error($"{at}:Categories", feature.Categories?.Count ?? 0, $"a {feature.Transform} feature needs at least one category");
                    }
                    else
                    {
                        var categories = new HashSet<string>(StringComparer.Ordinal);
                        for (int c = 0; c < feature.Categories.Count; c++)
                        {
                            if (string.IsNullOrEmpty(feature.Categories[c]) || !categories.Add(feature.Categories[c]))
                            {
                                Error($"{at}:Categories:{c}", feature.Categories[c], "categories must be non-empty and distinct");
                            }
                        }
                    }
                }
                else if (feature.Categories is { Count: > 0 })
                {
                    Error($"{at}:Categories", string.Join(",", feature.Categories), $"only a OneHot or CategoryAge feature has categories, this one is {feature.Transform}");
                }
            }

            if (InputSize > 4096)
            {
                Error(nameof(Features), InputSize, "the features add up to more than 4096 network inputs");
            }
        }

        if (Target is null)
        {
            Error(nameof(Target), null, "is required");
        }
        else
        {
            if (string.IsNullOrWhiteSpace(Target.Field))
            {
                Error("Target:Field", Target.Field, "is required");
            }

            CheckEnum("Target:Transform", Target.Transform);
            CheckRange("Target:Horizon", Target.Horizon, 1, 1000);
            if (Target.IsEventLabel && !double.IsFinite(Target.OutValue))
            {
                Error("Target:OutValue", Target.OutValue, "must be a finite number (the field value that means out)");
            }
        }

        if (Normalization is null)
        {
            Error(nameof(Normalization), null, "is required");
        }
        else
        {
            if (!double.IsFinite(Normalization.HalfLife) || Normalization.HalfLife < 0)
            {
                Error("Normalization:HalfLife", Normalization.HalfLife, "must be a finite number of steps ≥ 0 (0 = never forget)");
            }

            if (!double.IsFinite(Normalization.MinStandardDeviation) || Normalization.MinStandardDeviation <= 0)
            {
                Error("Normalization:MinStandardDeviation", Normalization.MinStandardDeviation, "must be a finite number > 0");
            }
        }

        if (Model is null)
        {
            Error(nameof(Model), null, "is required");
        }
        else
        {
            CheckEnum("Model:Cell", Model.Cell);
            CheckEnum("Model:Head", Model.Head);
            CheckRange("Model:HiddenSize", Model.HiddenSize, 1, MaxHiddenSize);
            CheckRange("Model:Layers", Model.Layers, 1, 8);
            if (Model.HiddenSize is >= 1 and <= MaxHiddenSize && Model.Layers is >= 1 and <= 8 && InputSize <= 4096
                && ParameterCount(Model.Cell, InputSize, Model.HiddenSize, Model.Layers) > MaxParameters)
            {
                Error("Model:HiddenSize", Model.HiddenSize, $"the network would have more than 50 million parameters (lower HiddenSize or Layers, or use fewer inputs)");
            }
            if (Model.Head == HeadKind.Binary && Target is not null && Target.Transform is TargetTransform.Difference or TargetTransform.LogReturn)
            {
                Error("Target:Transform", Target.Transform, "a Binary head forecasts a 0/1 target: use Raw, Exit or OutWithin");
            }

            if (Model.Head != HeadKind.Binary && Target is not null && Target.IsEventLabel)
            {
                Error("Target:Transform", Target.Transform, $"an event label is 0/1 and needs Model:Head = Binary (not {Model.Head})");
            }
        }

        if (State is null)
        {
            Error(nameof(State), null, "is required");
        }
        else
        {
            if (State.IdleTtl <= TimeSpan.Zero)
            {
                Error("State:IdleTtl", State.IdleTtl, "must be positive");
            }

            CheckRange("State:MaxKeys", State.MaxKeys, 1, 100_000_000);
            CheckEnum("State:WhenFull", State.WhenFull);
        }

        if (Training is null)
        {
            Error(nameof(Training), null, "is required");
        }
        else
        {
            errors.AddRange(Training.Validate($"{prefix}:{nameof(Training)}"));
            if (Training.Enabled && Target is not null && Target.Horizon >= Training.WindowSteps)
            {
                Error("Training:WindowSteps", Training.WindowSteps,
                    $"must be greater than Target:Horizon ({Target.Horizon}): a window only trains on targets that arrive inside it");
            }
        }

        if (Alerts is not null)
        {
            errors.AddRange(Alerts.Validate($"{prefix}:{nameof(Alerts)}"));
            if (Model is not null && Model.Head != HeadKind.Binary)
            {
                Error("Model:Head", Model.Head, "alert rules (Alerts) need a Binary head: they watch a probability");
            }

            if (string.IsNullOrEmpty(AlertTopic))
            {
                Error(nameof(AlertTopic), AlertTopic, "is required when Alerts is set: alerts are written there");
            }
        }

        if (Linear is not null)
        {
            errors.AddRange(Linear.Validate($"{prefix}:{nameof(Linear)}", Target?.Horizon ?? 1, Model?.Head == HeadKind.Binary));
        }

        if (Output is null)
        {
            Error(nameof(Output), null, "is required");
        }
        else
        {
            errors.AddRange(Output.Validate($"{prefix}:{nameof(Output)}"));
        }

        errors.AddRange(Baselines?.Validate($"{prefix}:{nameof(Baselines)}") ?? [$"{prefix}:{nameof(Baselines)}: is required"]);
        CheckRange(nameof(MaxBatch), MaxBatch, 1, 65_536);
        CheckRange(nameof(MaxRecordBytes), MaxRecordBytes, 64, 16 * 1024 * 1024);
        CheckEnum(nameof(LateRecords), LateRecords);
        if (Input is null)
        {
            Error(nameof(Input), null, "is required");
        }
        else if (Input.MaxFutureSkew <= TimeSpan.Zero || Input.MaxFutureSkew > InputOptions.MaxSkew)
        {
            Error("Input:MaxFutureSkew", Input.MaxFutureSkew, "must be positive and at most 36525 days");
        }

        return errors;

        void CheckTopic(string setting, string? topic, bool required)
        {
            if (string.IsNullOrEmpty(topic))
            {
                if (required)
                {
                    Error(setting, topic, "is required");
                }
            }
            else if (topic.Length > 249 || topic is "." or ".." || !IsTopicLike(topic))
            {
                Error(setting, topic, "is not a valid Kafka topic name (1 to 249 of letters, digits, '.', '_' or '-')");
            }
        }

        void CheckRange(string setting, long value, long min, long max)
        {
            if (value < min || value > max)
            {
                Error(setting, value, $"must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        void CheckEnum<T>(string setting, T value)
            where T : struct, Enum
        {
            if (!Enum.IsDefined(value))
            {
                Error(setting, value, $"must be one of {string.Join(", ", Enum.GetNames<T>())}");
            }
        }
    }

    /// <summary>Throws <see cref="InvalidPipelineException"/> listing every error of <see cref="Validate"/>.</summary>
    public void EnsureValid(string? settingPrefix = null)
    {
        var errors = Validate(settingPrefix);
        if (errors.Count > 0)
        {
            throw new InvalidPipelineException(errors);
        }
    }

    /// <summary>
    /// Reads a pipeline from a JSON file (config/pipelines/*.json): property names as here (case-insensitive),
    /// enums as strings, TimeSpans as "d.hh:mm:ss", comments and trailing commas allowed, unknown properties
    /// rejected (a misspelt setting is an error, not a silent default). A missing Name is taken from the file name.
    /// Does not validate: call <see cref="Validate"/>.
    /// </summary>
    public static PipelineDefinition Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
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

    private static bool IsTopicLike(string text)
    {
        foreach (char c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return text.Length > 0;
    }

    private static string Show(object? value) => value switch
    {
        null => "(null)",
        string { Length: 0 } => "\"\"",
        string text => text,
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
