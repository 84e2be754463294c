using System.Globalization;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.TrainingBench;

/// <summary>The benchmark's pipeline: LSTM, one layer, Gaussian head, windows of k = 16 steps.</summary>
internal static class BenchPipeline
{
    public static PipelineDefinition Create(int hidden)
    {
        string json = string.Create(CultureInfo.InvariantCulture, $$"""
            {
              "Name": "bench",
              "InputTopic": "in", "OutputTopic": "out", "DeadLetterTopic": "dead",
              "Key": { "Source": "RecordKey" },
              "EventTime": { "Source": "Field", "Field": "ts", "Format": "UnixMilliseconds" },
              "Features": [ { "Field": "value", "Transform": "ZScore" }, { "Field": "value", "Transform": "Difference" } ],
              "Target": { "Field": "value", "Transform": "Raw", "Horizon": 1 },
              "Model": { "Cell": "Lstm", "HiddenSize": {{hidden}}, "Layers": 1, "Head": "Gaussian", "Seed": 5 },
              "State": { "MaxKeys": 100000 },
              "Training": { "Enabled": true, "WindowSteps": 16, "BatchWindows": 32, "TrainEveryWindows": 256,
                "WarmupWindows": 256, "TrainEveryInterval": "00:00:01", "HoldBackWindows": 128, "LearningRate": 0.003 }
            }
            """);
        string path = Path.Combine(Path.GetTempPath(), $"streamrnn-trainingbench-{Environment.ProcessId}-{hidden}.json");
        File.WriteAllText(path, json);
        try
        {
            return PipelineDefinition.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
