using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace StreamRnn.Daemon.Csv;

/// <summary>
/// Turns one CSV row into a UTF-8 JSON object of its columns: <c>{"symbol":"AAL","close":14.75,"open":null}</c>.
/// </summary>
/// <remarks>
/// A cell is written as a JSON number only when its text already is one in JSON's own grammar (and is finite as a
/// double); the text is then copied verbatim, so no digit changes on the way. Anything else stays a string: "007"
/// is more likely an identifier than seven, and "NaN", "NA" or "1." are not JSON numbers. An empty cell is null,
/// which pipelines treat as a missing value.
/// </remarks>
internal sealed partial class CsvRowEncoder
{
    private readonly JsonEncodedText[] names;
    private readonly ArrayBufferWriter<byte> buffer = new(256);
    private readonly Utf8JsonWriter writer;

    public CsvRowEncoder(IReadOnlyList<string> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        names = new JsonEncodedText[header.Count];
        for (var i = 0; i < header.Count; i++)
        {
            names[i] = JsonEncodedText.Encode(header[i]);
        }

        // Records go to Kafka, not into HTML: keep non-ASCII text readable instead of \uXXXX escapes.
        writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>Encodes a row; the result is valid until the next call.</summary>
    public ReadOnlyMemory<byte> Encode(IReadOnlyList<string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count != names.Length)
        {
            throw new ArgumentException($"{fields.Count} fields for {names.Length} columns.", nameof(fields));
        }

        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        writer.WriteStartObject();
        for (var i = 0; i < names.Length; i++)
        {
            var cell = fields[i];
            writer.WritePropertyName(names[i]);
            if (cell.Length == 0)
            {
                writer.WriteNullValue();
            }
            else if (IsJsonNumber(cell))
            {
                writer.WriteRawValue(cell, skipInputValidation: true);
            }
            else
            {
                writer.WriteStringValue(cell);
            }
        }

        writer.WriteEndObject();
        writer.Flush();
        return buffer.WrittenMemory;
    }

    /// <summary>True when <paramref name="cell"/> is a finite number written in JSON's number grammar.</summary>
    public static bool IsJsonNumber(string cell) =>
        JsonNumber().IsMatch(cell)
        && double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
        && double.IsFinite(value);

    [GeneratedRegex(@"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex JsonNumber();
}
