using System.Globalization;
using System.Text.Json.Nodes;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>The sample files of the backtest tests (see Data/NOTICE.md) and the repository's pipelines.</summary>
internal static class BacktestFiles
{
    public static string Data(string name) => RepositoryRoot.Combine("tests/StreamRnn.Tools.Tests/Backtest/Data/" + name);

    public static string StocksCsv => Data("sp500_daily_3sym_2017.csv");

    public static string MachineCsv => Data("machine_temperature_system_failure.csv");

    public static string BedExitCsv => Data("torres_rfid_room1_8trials_exit_within_15s.csv");

    public static string BedExitEventsCsv => Data("torres_rfid_room1_bed_exit_events_8trials.csv");

    public static string BedExitPipeline => Data("bed-exit-alerts.json");

    public static string StocksPipeline => RepositoryRoot.Combine("config/pipelines/stocks.json");

    public static string MachinePipeline => RepositoryRoot.Combine("config/pipelines/machine-temperature.json");

    /// <summary>
    /// The shipped bed-exit pipeline as a posture (Categorical) head: the trials' activity label as its target, the
    /// out-of-bed postures 2 (sit on chair) and 4 (ambulating) as the event; <paramref name="change"/> adjusts it further.
    /// </summary>
    public static JsonNode PosturePipeline(Action<JsonNode>? change = null)
    {
        var pipeline = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("config/pipelines/bed-exit.json")))!;
        pipeline["Target"] = JsonNode.Parse("""
            {"Field": "label", "Transform": "Category", "Categories": ["1", "2", "3", "4"], "Positive": ["2", "4"], "Horizon": 1}
            """);
        pipeline["Model"]!["Head"] = "Categorical";
        change?.Invoke(pipeline);
        return pipeline;
    }

    /// <summary>The rows of a sample file (which has no quoted fields) as column → cell maps.</summary>
    public static List<Dictionary<string, string>> ReadRows(string path)
    {
        string[] lines = File.ReadAllLines(path);
        string[] header = lines[0].Split(',');
        return lines.Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split(',').Select((cell, i) => (header[i], cell)).ToDictionary(p => p.Item1, p => p.cell))
            .ToList();
    }

    public static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
