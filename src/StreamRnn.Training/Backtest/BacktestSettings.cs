using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Scoring;

namespace StreamRnn.Daemon.Backtest;

/// <summary>What <c>streamrnn backtest</c> was asked to do.</summary>
/// <param name="PipelinePath">The pipeline file (config/pipelines/*.json format).</param>
/// <param name="CsvPath">The CSV to replay; its first line names the columns.</param>
/// <param name="OutputDirectory">Where report.json, report.md and the charts go (created if needed).</param>
/// <param name="KeyColumn">The record key column, for pipelines whose key is the record key; null = the file's name.</param>
/// <param name="TimeColumn">The record timestamp column, for pipelines whose event time is the record timestamp.</param>
/// <param name="TimeFormat">How <paramref name="TimeColumn"/> is written; null = numbers are Unix seconds, text is ISO-8601.</param>
/// <param name="ModelPath">Weights to start from (a model-&lt;version&gt;.srnn file); null = the pipeline's seed.</param>
/// <param name="BatchRows">Rows per micro-batch handed to the runtime.</param>
/// <param name="Limit">Read at most this many rows of the file; null = all.</param>
/// <param name="ChartKeys">Keys drawn in the per-key charts.</param>
/// <param name="EventColumn">For alert quality: the column whose change to <paramref name="EventValue"/> is the event
/// (e.g. in_bed turning 0 is a bed exit); null = the onsets of the outcome the alerts watch, in the target field.</param>
/// <param name="EventValue">The value of <paramref name="EventColumn"/> that marks the event.</param>
/// <param name="DetectionGraceSeconds">When set, alert quality is also scored as detection: an alert up to this many
/// seconds after the event still counts (<see cref="AlertQualityEvaluator"/>'s grace D); null = anticipation only.</param>
/// <param name="KeysInSequence">Replay the keys one after another (each key's times shifted to start after the previous
/// key's end) instead of side by side: for separate recordings that all start at 0, such as the bed-exit trials.</param>
/// <param name="Keys">Replay only these keys: each item a key or "FIRST..LAST", the keys from FIRST's first row through
/// LAST's in order of first appearance in the file (e.g. "d1p01M..d1p30M"); null = every key.</param>
/// <param name="Passes">Replay the file this many times, each pass starting from the previous pass's final champion
/// (with a fresh runtime, alert rules and trainer); only the last pass is scored. Needs Training:Enabled when above 1.</param>
/// <param name="SaveModelPath">Where to write the final champion, in the model store's file format (as
/// model-&lt;version&gt;.srnn, readable by --model); null = not written.</param>
/// <param name="ArOrder">p of the "ar" baseline (regression heads); null = the pipeline's Baselines:ArOrder.</param>
/// <param name="ArForgetting">Forgetting factor λ ∈ (0, 1] of the "ar" baseline; null = the pipeline's Baselines:ArForgetting.</param>
/// <param name="Season">A season of this many steps adds the "seasonal_naive" baseline; null = the pipeline's
/// Baselines:Season (0 = none).</param>
internal sealed record BacktestSettings(
    string PipelinePath,
    string CsvPath,
    string OutputDirectory,
    string? KeyColumn = null,
    string? TimeColumn = null,
    EventTimeFormat? TimeFormat = null,
    string? ModelPath = null,
    int BatchRows = 256,
    long? Limit = null,
    int ChartKeys = 3,
    string? EventColumn = null,
    string? EventValue = null,
    int? DetectionGraceSeconds = null,
    bool KeysInSequence = false,
    IReadOnlyList<string>? Keys = null,
    int Passes = 1,
    string? SaveModelPath = null,
    int? ArOrder = null,
    double? ArForgetting = null,
    int? Season = null)
{
    /// <summary>The AR order in effect: the option, else the pipeline's (0 = no "ar" baseline).</summary>
    public int ArOrderFor(PipelineDefinition definition) => ArOrder ?? definition.Baselines.ArOrder;

    /// <summary>The AR forgetting factor in effect.</summary>
    public double ArForgettingFor(PipelineDefinition definition) => ArForgetting ?? definition.Baselines.ArForgetting;

    /// <summary>The season in effect, or null for none.</summary>
    public int? SeasonFor(PipelineDefinition definition) => Season ?? (definition.Baselines.Season > 0 ? definition.Baselines.Season : null);
}
