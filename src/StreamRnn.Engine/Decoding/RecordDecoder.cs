using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Features;
using StreamRnn.Engine.Records;

namespace StreamRnn.Engine.Decoding;

/// <summary>
/// Reads one record into reusable buffers: the key (UTF-8 and UTF-16), the event time, every numeric field
/// and every one-hot category index. Never throws for bad input: it returns false with a
/// <see cref="DeadLetterReason"/> and a detail naming the field. Allocates only on the error path.
/// </summary>
/// <remarks>
/// Accepted: a JSON object; configured fields at its top level in any order; other fields (also nested) are
/// skipped; a repeated field takes its last value. Numbers may be JSON numbers, numeric strings ("12.5",
/// invariant culture, surrounding white space allowed) or booleans (true = 1, false = 0, handy for 0/1 targets).
/// null and "" count as missing. Keys are at most <see cref="MaxKeyBytes"/> bytes of valid UTF-8 (after
/// unescaping). A repeated field's problem is that of its last value: a bad first value followed by a good one is fine.
/// Precedence when several things are wrong: OversizedRecord, MalformedJson, DecodeError, MissingKey, BadTimestamp,
/// then the first field problem in document order, then the first missing field in configuration order.
/// Any exception while reading (e.g. the InvalidOperationException .NET throws for a lone UTF-16 surrogate in an
/// escape, <c>"\ud800"</c>) is a DecodeError, never thrown.
/// </remarks>
internal sealed partial class RecordDecoder
{
    /// <summary>Longest key accepted, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 1024;

    private const long MinUnixMs = -62_135_596_800_000;
    private const long MaxUnixMs = 253_402_300_799_999;
    private const int MaxScalarBytes = 256;

    /// <summary>An escape (<c>\uXXXX</c>) is at most 6 bytes per unescaped byte: longer escaped keys are too long.</summary>
    private const int MaxEscapedKeyBytes = 6 * MaxKeyBytes;

    private readonly FeatureLayout _layout;
    private readonly PipelineDefinition _definition;
    private readonly byte[][] _fieldNames;
    private readonly string[] _fieldNameStrings;
    private readonly int[] _numericSlotOfField;
    private readonly int[] _categorySlotOfField;
    private readonly int[] _categoryFeatureOfSlot;
    private readonly int _keyField;
    private readonly int _timeField;
    private readonly byte[] _fieldState;
    private readonly int _maxRecordBytes;
    private readonly byte[] _keyBytes = new byte[MaxKeyBytes];
    private readonly char[] _keyChars = new char[MaxKeyBytes];
    private readonly byte[] _unescaped = new byte[MaxEscapedKeyBytes];

    // Per field: the problem of its last value (0 = none), its text, and the document position of that value.
    private readonly DeadLetterReason[] _fieldProblem;
    private readonly string?[] _fieldProblemText;
    private readonly int[] _fieldPosition;
    private int _position;

    public RecordDecoder(PipelineDefinition definition, FeatureLayout layout)
    {
        _definition = definition;
        _layout = layout;
        _maxRecordBytes = definition.MaxRecordBytes;
        var names = new List<string>(layout.FieldNames);
        _keyField = definition.Key.Source == KeySource.Field ? IndexOrAdd(names, definition.Key.Field!) : -1;
        _timeField = definition.EventTime.Source == EventTimeSource.Field ? IndexOrAdd(names, definition.EventTime.Field!) : -1;
        _fieldNameStrings = [.. names];
        _fieldNames = names.Select(n => Encoding.UTF8.GetBytes(n)).ToArray();
        _numericSlotOfField = Enumerable.Repeat(-1, names.Count).ToArray();
        _categorySlotOfField = Enumerable.Repeat(-1, names.Count).ToArray();
        for (int slot = 0; slot < layout.NumericFieldOfValue.Length; slot++)
        {
            _numericSlotOfField[layout.NumericFieldOfValue[slot]] = slot;
        }

        for (int slot = 0; slot < layout.CategoryFieldOfValue.Length; slot++)
        {
            _categorySlotOfField[layout.CategoryFieldOfValue[slot]] = slot;
        }

        _categoryFeatureOfSlot = layout.CategoryFeatureOfValue;

        _fieldState = new byte[names.Count];
        _fieldProblem = new DeadLetterReason[names.Count];
        _fieldProblemText = new string?[names.Count];
        _fieldPosition = new int[names.Count];
        Values = new double[layout.NumericFieldOfValue.Length];
        CategoryIndices = new int[layout.CategoryFieldOfValue.Length];
    }

    /// <summary>The numeric field values of the last decoded record, by numeric slot.</summary>
    public double[] Values { get; }

    /// <summary>The category index of each OneHot feature's field, by category slot.</summary>
    public int[] CategoryIndices { get; }

    public long EventTimeUnixMs { get; private set; }

    public ReadOnlySpan<byte> KeyBytes => _keyBytes.AsSpan(0, KeyByteCount);
    public ReadOnlySpan<char> KeyChars => _keyChars.AsSpan(0, KeyCharCount);
    public int KeyByteCount { get; private set; }
    public int KeyCharCount { get; private set; }

    // Field states while decoding one record.
    private const byte Absent = 0;
    private const byte Present = 1;
    private const byte Empty = 2;

    /// <summary>Decodes <paramref name="record"/>; on false, <paramref name="reason"/> and <paramref name="detail"/> say why.</summary>
    public bool TryDecode(in InputRecord record, out DeadLetterReason reason, out string detail)
    {
        var value = record.Value.Span;
        if (value.Length > _maxRecordBytes)
        {
            return Fail(DeadLetterReason.OversizedRecord, $"value is {value.Length} bytes, MaxRecordBytes is {_maxRecordBytes}", out reason, out detail);
        }

        Array.Clear(_fieldState);
        Array.Clear(_fieldProblem);
        _position = 0;
        if (_definition.Key.Source == KeySource.RecordKey && !TryTakeKey(record.Key.Span, -1, out reason, out detail))
        {
            return false;
        }

        if (_definition.EventTime.Source == EventTimeSource.RecordTimestamp)
        {
            if (record.TimestampUnixMs < 0 || record.TimestampUnixMs > MaxUnixMs)
            {
                return Fail(DeadLetterReason.BadTimestamp, $"record timestamp {record.TimestampUnixMs} is not a valid time", out reason, out detail);
            }

            EventTimeUnixMs = record.TimestampUnixMs;
        }

        if (value.IsEmpty)
        {
            return Fail(DeadLetterReason.MalformedJson, "value is empty", out reason, out detail);
        }

        try
        {
            var reader = new Utf8JsonReader(value, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Fail(DeadLetterReason.MalformedJson, $"value is not a JSON object (starts with {reader.TokenType})", out reason, out detail);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                int field = FindField(ref reader);
                reader.Read();
                if (field < 0)
                {
                    reader.Skip();
                    continue;
                }

                ReadField(ref reader, field);
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                return Fail(DeadLetterReason.MalformedJson, $"unexpected {reader.TokenType} in the object", out reason, out detail);
            }

            // A second top-level value or trailing garbage makes Read throw.
            while (reader.Read())
            {
            }
        }
        catch (JsonException exception)
        {
            return Fail(DeadLetterReason.MalformedJson, exception.Message, out reason, out detail);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // E.g. InvalidOperationException for a lone surrogate (\ud800) in a property name or a string value.
            return Fail(DeadLetterReason.DecodeError, $"{exception.GetType().Name}: {exception.Message}", out reason, out detail);
        }

        if (_keyField >= 0 && _fieldState[_keyField] != Present && _fieldProblem[_keyField] == 0)
        {
            return Fail(DeadLetterReason.MissingKey, $"key field '{_fieldNameStrings[_keyField]}' is {StateText(_fieldState[_keyField])}", out reason, out detail);
        }

        if (_timeField >= 0 && _fieldState[_timeField] != Present && _fieldProblem[_timeField] == 0)
        {
            return Fail(DeadLetterReason.BadTimestamp, $"event time field '{_fieldNameStrings[_timeField]}' is {StateText(_fieldState[_timeField])}", out reason, out detail);
        }

        int problemField = FirstProblemField();
        if (problemField >= 0)
        {
            return Fail(_fieldProblem[problemField], $"field '{_fieldNameStrings[problemField]}': {_fieldProblemText[problemField]}", out reason, out detail);
        }

        for (int field = 0; field < _fieldState.Length; field++)
        {
            if (_fieldState[field] != Present)
            {
                return Fail(DeadLetterReason.MissingField, $"field '{_fieldNameStrings[field]}' is {StateText(_fieldState[field])}", out reason, out detail);
            }
        }

        reason = default;
        detail = "";
        return true;
    }

    /// <summary>The field whose (last) value has a problem and comes first in the document, or -1.</summary>
    private int FirstProblemField()
    {
        int first = -1;
        for (int field = 0; field < _fieldProblem.Length; field++)
        {
            if (_fieldProblem[field] != 0 && (first < 0 || _fieldPosition[field] < _fieldPosition[first]))
            {
                first = field;
            }
        }

        return first;
    }

    private static string StateText(byte state) => state == Empty ? "null or empty" : "missing";

    private int FindField(ref Utf8JsonReader reader)
    {
        for (int field = 0; field < _fieldNames.Length; field++)
        {
            if (reader.ValueTextEquals(_fieldNames[field]))
            {
                return field;
            }
        }

        return -1;
    }

    /// <summary>Remembers the first problem of the field's value; always false, so callers can return it.</summary>
    private bool Problem(int field, DeadLetterReason reason, string text)
    {
        if (_fieldProblem[field] == 0)
        {
            _fieldProblem[field] = reason;
            _fieldProblemText[field] = text;
        }

        return false;
    }

    private static bool Fail(DeadLetterReason problem, string text, out DeadLetterReason reason, out string detail)
    {
        reason = problem;
        detail = text;
        return false;
    }

    private static int IndexOrAdd(List<string> names, string name)
    {
        int index = names.IndexOf(name);
        if (index < 0)
        {
            names.Add(name);
            index = names.Count - 1;
        }

        return index;
    }
}
