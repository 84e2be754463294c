using System.Globalization;
using System.Text.Json.Serialization;
using StreamRnn.Core;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Forecasting;
using StreamRnn.Engine.Output;
using StreamRnn.Engine.Scoring;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Configuration;

// Validation: every setting checked, each problem naming its setting (never its value).
public sealed partial class PipelineDefinition
{
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
                string identity = feature.Transform == FeatureTransform.LogRatio ? $"{feature.Field}\0{feature.Over}"
                    : feature.Transform == FeatureTransform.CategoryLast ? $"{feature.Field}\0{feature.By}" : feature.Field ?? "";
                if (!seen.Add((identity, feature.Transform)))
                {
                    Error($"{at}:Field", feature.Field, $"is listed twice with Transform {feature.Transform}");
                }

                CategoryAgeRules.Check(Features, i, Error);
                if (feature.HasCategories)
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
                    Error($"{at}:Categories", string.Join(",", feature.Categories), $"only a OneHot, CategoryAge or CategoryLast feature has categories, this one is {feature.Transform}");
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

            foreach (var (setting, problem) in WithinRules.Check(Target))
            {
                Error(setting, null, problem);
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
            if (Model.Head == HeadKind.Binary && Target is not null && Target.Transform is TargetTransform.Difference or TargetTransform.LogReturn or TargetTransform.Category)
            {
                Error("Target:Transform", Target.Transform, "a Binary head forecasts a 0/1 target: use Raw, Exit or OutWithin");
            }

            if (Model.Head != HeadKind.Binary && Target is not null && Target.IsEventLabel)
            {
                Error("Target:Transform", Target.Transform, "an event label is 0/1 and needs Model:Head = Binary");
            }

            foreach (var (setting, problem) in CategoricalTargetRules.Check(Model, Target, Features, Training))
            {
                Error(setting, null, problem);
            }

            foreach (var (setting, problem) in HorizonRules.Check(this))
            {
                Error(setting, null, problem);
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
            if (Training.Enabled && Target is not null && Target.MaxHorizon >= Training.WindowSteps)
            {
                Error("Training:WindowSteps", Training.WindowSteps,
                    $"must be greater than Target:Horizon (the longest of Target:Horizons): a window only trains on targets that arrive inside it");
            }
        }

        if (Alerts is not null)
        {
            errors.AddRange(Alerts.Validate($"{prefix}:{nameof(Alerts)}"));
            if (Model is not null && !Model.Head.IsClassifier())
            {
                Error("Model:Head", Model.Head, "alert rules (Alerts) need a Binary or Categorical head: they watch a probability");
            }

            if (string.IsNullOrEmpty(AlertTopic))
            {
                Error(nameof(AlertTopic), AlertTopic, "is required when Alerts is set: alerts are written there");
            }
        }

        if (Linear is not null)
        {
            errors.AddRange(Linear.Validate($"{prefix}:{nameof(Linear)}", Target?.Horizon ?? 1, Model?.Head.IsClassifier() == true));
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
}
