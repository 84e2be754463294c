using System.Globalization;
using System.Text;
using System.Text.Json;
using StreamRnn.Engine.Records;

namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// The in-memory sink of a backtest: keeps what the runtime emits, read back from the very JSON records the daemon
/// would produce (so the report scores the outputs, not some internal value next to them).
/// </summary>
internal sealed class BacktestSink : IRecordSink
{
    public List<CollectedPrediction> Predictions { get; } = [];

    public List<CollectedAlert> Alerts { get; } = [];

    /// <summary>Dead-lettered records by offset; a record can be dead-lettered after its step (NumericalError).</summary>
    public Dictionary<long, DeadLetterReason> DeadLetters { get; } = [];

    public long ChangelogRecords { get; private set; }

    public void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
    {
        var reader = new Utf8JsonReader(json);
        string? name = null;
        string recordKey = Encoding.UTF8.GetString(key);
        long time = 0, version = 0;
        double mean = double.NaN, spread = double.NaN, unguarded = double.NaN, half80 = double.NaN, half95 = double.NaN;
        double[]? horizons = null;
        int depth = 0;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    depth++;
                    break;
                case JsonTokenType.EndObject:
                    depth--;
                    break;
                case JsonTokenType.PropertyName when depth == 1:
                    name = reader.GetString();
                    break;
                case JsonTokenType.String when depth == 1 && name == "ts":
                    time = ParseTs(reader.GetString()!);
                    break;
                case JsonTokenType.StartArray when depth == 1 && name == "horizons":
                    horizons = ReadHorizons(ref reader);
                    break;
                case JsonTokenType.StartArray when depth == 1 && name is "interval_80" or "interval_95":
                    reader.Read();
                    double lower = reader.GetDouble();
                    reader.Read();
                    double half = (reader.GetDouble() - lower) / 2;
                    reader.Read();
                    if (name == "interval_80")
                    {
                        half80 = half;
                    }
                    else
                    {
                        half95 = half;
                    }

                    break;
                case JsonTokenType.Number when depth == 1:
                    switch (name)
                    {
                        case "model_version":
                            version = reader.GetInt64();
                            break;
                        case "mean" or "probability" or "value":
                            mean = reader.GetDouble();
                            break;
                        case "stddev":
                            spread = reader.GetDouble();
                            break;
                        case "unguarded":
                            unguarded = reader.GetDouble();
                            break;
                    }

                    break;
            }
        }

        Predictions.Add(new CollectedPrediction(source.Offset, recordKey, time, version, mean, spread, half80, half95, unguarded, horizons));
    }

    /// <summary>Reads the "horizons" array (the reader on its StartArray, left on its EndArray).</summary>
    private static double[] ReadHorizons(ref Utf8JsonReader reader)
    {
        var values = new List<double>();
        string? name = null;
        int at = -1;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                at = values.Count;
                values.AddRange([double.NaN, double.NaN, double.NaN, double.NaN]);
            }
            else if (reader.TokenType == JsonTokenType.PropertyName)
            {
                name = reader.GetString();
            }
            else if (reader.TokenType == JsonTokenType.Number && name is "mean" or "value")
            {
                values[at] = reader.GetDouble();
            }
            else if (reader.TokenType == JsonTokenType.Number && name == "stddev")
            {
                values[at + 1] = reader.GetDouble();
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                reader.Read();
                double lower = reader.GetDouble();
                reader.Read();
                double half = (reader.GetDouble() - lower) / 2;
                reader.Read();
                if (name is "interval_80" or "interval_95")
                {
                    values[at + (name == "interval_80" ? 2 : 3)] = half;
                }
            }
        }

        return [.. values];
    }

    public void Alert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        var probability = root.GetProperty("probability");
        Alerts.Add(new CollectedAlert(
            root.GetProperty("key").GetString()!,
            ParseTs(root.GetProperty("ts").GetString()!),
            root.GetProperty("state").GetString() == "raised",
            root.GetProperty("severity").GetString()!,
            probability.ValueKind == JsonValueKind.Number ? probability.GetDouble() : double.NaN,
            root.GetProperty("reason").GetString()!,
            root.GetProperty("model_version").GetInt64()));
    }

    public void DeadLetter(in InputRecord source, DeadLetterReason reason, string detail) => DeadLetters[source.Offset] = reason;

    public void Changelog(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => ChangelogRecords++;

    private static long ParseTs(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUnixTimeMilliseconds();
}
