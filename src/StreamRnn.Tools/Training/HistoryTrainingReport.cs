using System.Globalization;
using System.Text;
using System.Text.Json;

namespace StreamRnn.Daemon.Training;

/// <summary>
/// report.json and report.md of <c>streamrnn train</c>: the loss of every epoch on the training and validation
/// windows beside the simple forecasters' validation losses, the best epoch and why training stopped.
/// </summary>
internal static class HistoryTrainingReport
{
    public static void WriteJson(string path, string pipeline, string csv, string modelPath, HistoryTrainingResult result)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("pipeline", pipeline);
        json.WriteString("csv", csv);
        json.WriteString("model", modelPath);
        json.WriteNumber("modelVersion", result.Model.Version);
        json.WriteNumber("rows", result.Rows);
        json.WriteNumber("validationStartRow", result.ValidationStartRow);
        json.WriteNumber("trainingWindows", result.TrainingWindows);
        json.WriteNumber("validationWindows", result.ValidationWindows);
        json.WriteNumber("batchWindows", result.BatchWindows);
        json.WriteNumber("learningRate", result.LearningRate);
        json.WriteNumber("bestEpoch", result.BestEpoch);
        json.WriteString("stopReason", result.StopReason);
        json.WriteNumber("seconds", result.Elapsed.TotalSeconds);
        json.WriteStartArray("epochs");
        foreach (var epoch in result.Epochs)
        {
            json.WriteStartObject();
            json.WriteNumber("epoch", epoch.Epoch);
            Number(json, "trainingLoss", epoch.TrainingLoss);
            Number(json, "validationLoss", epoch.ValidationLoss);
            json.WriteNumber("learningRate", epoch.LearningRate);
            json.WriteNumber("steps", epoch.Steps);
            json.WriteNumber("seconds", epoch.Elapsed.TotalSeconds);
            json.WriteBoolean("best", epoch.Best);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("baselines");
        foreach (var baseline in result.Baselines)
        {
            json.WriteStartObject(baseline.Name);
            Number(json, "validationLoss", baseline.ValidationLoss);
            if (baseline.HorizonLosses is { } horizonLosses)
            {
                // Target:Horizons: each horizon's own loss, in Target:Horizons order (validationLoss is their sum per step).
                json.WriteStartArray("horizonLosses");
                foreach (double loss in horizonLosses)
                {
                    Number(json, null, loss);
                }

                json.WriteEndArray();
            }

            json.WriteString("description", baseline.Description);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    public static void WriteMarkdown(string path, string pipeline, string csv, string modelPath, HistoryTrainingResult result)
    {
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));
        Line($"# streamrnn train: {pipeline}");
        Line($"");
        text.Append(CultureInfo.InvariantCulture, $"History `{csv}`: {result.Rows} rows; the last {result.Rows - result.ValidationStartRow} by event time validate. ");
        text.Append(CultureInfo.InvariantCulture, $"{result.TrainingWindows} training and {result.ValidationWindows} validation windows, mini-batches of {result.BatchWindows}, ");
        text.Append(CultureInfo.InvariantCulture, $"cosine learning rate from {result.LearningRate:G4}. Stopped: {result.StopReason}. ");
        Line($"Best epoch {result.BestEpoch}, written to `{modelPath}` (version {result.Model.Version}). {result.Elapsed.TotalSeconds:F1} s.");
        Line($"");
        Line($"Losses are the model's own (Σ loss / Σ weight over the windows' standardised targets, summed over a step's known horizons with Target:Horizons; lower is better).");
        Line($"");
        Line($"| epoch | training loss | validation loss | learning rate | steps | seconds |");
        Line($"|---|---|---|---|---|---|");
        foreach (var epoch in result.Epochs)
        {
            string mark = epoch.Epoch == result.BestEpoch ? " **(best)**" : "";
            Line($"| {epoch.Epoch}{mark} | {epoch.TrainingLoss:G6} | {epoch.ValidationLoss:G6} | {epoch.LearningRate:G4} | {epoch.Steps} | {epoch.Elapsed.TotalSeconds:F2} |");
        }

        Line($"");
        Line($"Simple forecasters on the same validation windows, fitted on the training windows:");
        Line($"");
        Line($"| forecaster | validation loss | what it predicts |");
        Line($"|---|---|---|");
        foreach (var baseline in result.Baselines)
        {
            // Target:Horizons: the sum per step (the network's loss) and each horizon's loss per its own known targets.
            string perHorizon = baseline.HorizonLosses is { } losses
                ? " (per horizon, in Target:Horizons order: " + string.Join("; ", losses.Select(l => l.ToString("G6", CultureInfo.InvariantCulture))) + ")"
                : "";
            Line($"| {baseline.Name} | {baseline.ValidationLoss:G6}{perHorizon} | {baseline.Description} |");
        }

        Line($"| model (epoch {result.BestEpoch}) | {result.Epochs[result.BestEpoch].ValidationLoss:G6} | the trained network |");
        File.WriteAllText(path, text.ToString());
    }

    private static void Number(Utf8JsonWriter json, string? name, double value)
    {
        if (name is null)
        {
            if (double.IsFinite(value))
            {
                json.WriteNumberValue(value);
            }
            else
            {
                json.WriteNullValue();
            }
        }
        else if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
