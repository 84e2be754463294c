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
    private readonly JsonEncodedText[] _names;
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _writer;

    public CsvRowEncoder(IReadOnlyList<string> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        _names = new JsonEncodedText[header.Count];
        for (int i = 0; i < header.Count; i++)
        {
            _names[i] = JsonEncodedText.Encode(header[i]);
        }

        // Records go to Kafka, not into HTML: keep non-ASCII text readable instead of \uXXXX escapes.
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>Encodes a row; the result is valid until the next call.</summary>
    public ReadOnlyMemory<byte> Encode(IReadOnlyList<string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count != _names.Length)
        {
            throw new ArgumentException($"{fields.Count} fields for {_names.Length} columns.", nameof(fields));
        }

        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        for (int i = 0; i < _names.Length; i++)
        {
            string cell = fields[i];
            _writer.WritePropertyName(_names[i]);
            if (cell.Length == 0)
            {
                _writer.WriteNullValue();
            }
            else if (IsJsonNumber(cell))
            {
                _writer.WriteRawValue(cell, skipInputValidation: true);
            }
            else
            {
                _writer.WriteStringValue(cell);
            }
        }

        _writer.WriteEndObject();
        _writer.Flush();
        return _buffer.WrittenMemory;
    }

    /// <summary>True when <paramref name="cell"/> is a finite number written in JSON's number grammar.</summary>
    public static bool IsJsonNumber(string cell) =>
        JsonNumber().IsMatch(cell)
        && double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
        && double.IsFinite(value);

    [GeneratedRegex(@"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex JsonNumber();
}
