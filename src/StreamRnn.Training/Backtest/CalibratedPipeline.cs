using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// A pipeline file rewritten by <c>streamrnn-tools calibrate</c>: the input pipeline's JSON with Model:File and
/// Alerts:Threshold / Alerts:ClearThreshold set, and Name set when the input left it to the file name (so that the copy,
/// whatever it is called, keeps the pipeline's name). Every other setting is kept as written (comments are not: the
/// rewrite goes through a JSON tree). Section and setting names are matched case-insensitively, as the loader does.
/// </summary>
internal static class CalibratedPipeline
{
    private static readonly JsonDocumentOptions ReadOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The rewritten pipeline as indented JSON; <paramref name="modelFile"/> null leaves Model:File as it was.</summary>
    /// <exception cref="JsonException">The input is not a JSON object.</exception>
    public static string Rewrite(ReadOnlySpan<byte> utf8Json, string name, string? modelFile, double threshold, double clearThreshold)
    {
        if (utf8Json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            utf8Json = utf8Json[3..];
        }

        if (JsonNode.Parse(utf8Json, documentOptions: ReadOptions) is not JsonObject root)
        {
            throw new JsonException("The file holds no pipeline object.");
        }

        if (Find(root, "Name") is not { } nameKey || root[nameKey] is not JsonValue value
            || value.GetValueKind() != JsonValueKind.String || string.IsNullOrEmpty(value.GetValue<string>()))
        {
            Set(root, "Name", JsonValue.Create(name));
        }

        if (modelFile is not null)
        {
            Set(Section(root, "Model"), "File", JsonValue.Create(modelFile));
        }

        var alerts = Section(root, "Alerts");
        Set(alerts, "Threshold", JsonValue.Create(threshold));
        Set(alerts, "ClearThreshold", JsonValue.Create(clearThreshold));
        return root.ToJsonString(WriteOptions) + "\n";
    }

    private static JsonObject Section(JsonObject root, string name)
    {
        if (Find(root, name) is { } key && root[key] is JsonObject section)
        {
            return section;
        }

        var created = new JsonObject();
        Set(root, name, created);
        return created;
    }

    /// <summary>Replaces the value of the setting spelt in any case (in place, keeping the order), else appends it.</summary>
    private static void Set(JsonObject node, string name, JsonNode? value)
    {
        if (Find(node, name) is { } key)
        {
            node[key] = value;
        }
        else
        {
            node[name] = value;
        }
    }

    private static string? Find(JsonObject node, string name)
    {
        foreach (var (key, _) in node)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return key;
            }
        }

        return null;
    }
}
