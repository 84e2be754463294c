using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace StreamRnn.Engine;

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
internal sealed class RecordDecoder
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
        ReadOnlySpan<byte> value = record.Value.Span;
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

    private void ReadField(ref Utf8JsonReader reader, int field)
    {
        // The last value of a repeated field wins, its problem included.
        _fieldProblem[field] = 0;
        _fieldState[field] = Absent;
        _fieldPosition[field] = _position++;
        var token = reader.TokenType;
        if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
            Problem(field, DeadLetterReason.WrongType, $"is a JSON {(token == JsonTokenType.StartObject ? "object" : "array")}");
            return;
        }

        if (token == JsonTokenType.Null || (token == JsonTokenType.String && reader.ValueSpan.IsEmpty))
        {
            _fieldState[field] = Empty;
            return;
        }

        ReadOnlySpan<byte> text;
        if (token == JsonTokenType.String)
        {
            if (reader.ValueIsEscaped)
            {
                // A key may be MaxKeyBytes long once unescaped; other fields MaxScalarBytes.
                int limit = field == _keyField ? MaxKeyBytes : MaxScalarBytes;
                if (reader.ValueSpan.Length > 6 * limit)
                {
                    Problem(field, field == _keyField ? DeadLetterReason.MissingKey : DeadLetterReason.WrongType, "escaped string is too long");
                    return;
                }

                int length = reader.CopyString(_unescaped);
                if (length > limit && field != _keyField)
                {
                    Problem(field, field == _keyField ? DeadLetterReason.MissingKey : DeadLetterReason.WrongType, "escaped string is too long");
                    return;
                }

                text = _unescaped.AsSpan(0, length);
            }
            else
            {
                text = reader.ValueSpan;
            }
        }
        else
        {
            text = reader.ValueSpan;
        }

        bool ok = true;
        if (field == _keyField)
        {
            if (token is not (JsonTokenType.String or JsonTokenType.Number))
            {
                Problem(field, DeadLetterReason.WrongType, $"key must be a string or number, not {token}");
                return;
            }

            ok &= TryTakeKey(text, field, out var reason, out var detail) || Problem(field, reason, detail);
        }

        if (field == _timeField)
        {
            ok &= ReadTime(token, text, field);
        }

        int numericSlot = _numericSlotOfField[field];
        if (numericSlot >= 0)
        {
            ok &= ReadNumber(token, text, field, out Values[numericSlot]);
        }

        int categorySlot = _categorySlotOfField[field];
        if (categorySlot >= 0)
        {
            ok &= ReadCategory(token, text, field, categorySlot);
        }

        if (ok)
        {
            _fieldState[field] = Present;
        }
    }

    private bool ReadNumber(JsonTokenType token, ReadOnlySpan<byte> text, int field, out double number)
    {
        switch (token)
        {
            case JsonTokenType.True:
                number = 1;
                return true;
            case JsonTokenType.False:
                number = 0;
                return true;
            case JsonTokenType.Number:
            case JsonTokenType.String:
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number))
                {
                    // Utf8Parser gives a clearer split between "not a number" and "out of range".
                    return token == JsonTokenType.Number
                        ? Problem(field, DeadLetterReason.NonFiniteValue, "number is out of range")
                        : Problem(field, DeadLetterReason.WrongType, "string is not a number");
                }

                if (!double.IsFinite(number))
                {
                    return Problem(field, DeadLetterReason.NonFiniteValue, "value is not finite");
                }

                return true;
            default:
                number = double.NaN;
                return Problem(field, DeadLetterReason.WrongType, $"expected a number, found {token}");
        }
    }

    private bool ReadCategory(JsonTokenType token, ReadOnlySpan<byte> text, int field, int categorySlot)
    {
        if (token is not (JsonTokenType.String or JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False))
        {
            return Problem(field, DeadLetterReason.WrongType, $"expected a category string, found {token}");
        }

        var categories = _layout.Features[_categoryFeatureOfSlot[categorySlot]].Categories;
        for (int c = 0; c < categories.Length; c++)
        {
            if (text.SequenceEqual(categories[c]))
            {
                CategoryIndices[categorySlot] = c;
                return true;
            }
        }

        return Problem(field, DeadLetterReason.UnknownCategory, $"'{Encoding.UTF8.GetString(text)}' is not one of the configured categories");
    }

    private bool ReadTime(JsonTokenType token, ReadOnlySpan<byte> text, int field)
    {
        var format = _definition.EventTime.Format;
        if (format == EventTimeFormat.Iso8601)
        {
            if (token != JsonTokenType.String)
            {
                return Problem(field, DeadLetterReason.BadTimestamp, $"expected an ISO-8601 string, found {token}");
            }

            Span<char> chars = stackalloc char[MaxScalarBytes];
            if (Utf8.ToUtf16(text, chars, out _, out int written) != OperationStatus.Done
                || !DateTimeOffset.TryParse(chars[..written], CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            {
                return Problem(field, DeadLetterReason.BadTimestamp, "not an ISO-8601 time");
            }

            EventTimeUnixMs = time.ToUnixTimeMilliseconds();
            return true;
        }

        if (token is not (JsonTokenType.Number or JsonTokenType.String)
            || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number)
            || !double.IsFinite(number))
        {
            return Problem(field, DeadLetterReason.BadTimestamp, $"expected {format} as a number");
        }

        double milliseconds = format == EventTimeFormat.UnixSeconds ? number * 1000 : number;
        if (milliseconds < MinUnixMs || milliseconds > MaxUnixMs)
        {
            return Problem(field, DeadLetterReason.BadTimestamp, $"{number.ToString(CultureInfo.InvariantCulture)} is outside years 1 to 9999");
        }

        EventTimeUnixMs = (long)Math.Round(milliseconds);
        return true;
    }

    /// <summary>Takes the key from the record (<paramref name="field"/> = -1) or from a field.</summary>
    private bool TryTakeKey(ReadOnlySpan<byte> key, int field, out DeadLetterReason reason, out string detail)
    {
        string What() => field < 0 ? "record key" : $"key field '{_fieldNameStrings[field]}'";

        if (key.IsEmpty)
        {
            return Fail(DeadLetterReason.MissingKey, $"{What()} is empty", out reason, out detail);
        }

        if (key.Length > MaxKeyBytes)
        {
            return Fail(DeadLetterReason.MissingKey, $"{What()} is {key.Length} bytes, at most {MaxKeyBytes} are accepted", out reason, out detail);
        }

        if (Utf8.ToUtf16(key, _keyChars, out _, out int chars, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            return Fail(DeadLetterReason.MissingKey, $"{What()} is not valid UTF-8", out reason, out detail);
        }

        key.CopyTo(_keyBytes);
        KeyByteCount = key.Length;
        KeyCharCount = chars;
        reason = default;
        detail = "";
        return true;
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
