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

// Reading one configured field: numbers, categories, event times and the key, each with its dead-letter reason.
internal sealed partial class RecordDecoder
{
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

            ok &= TryTakeKey(text, field, out var reason, out string? detail) || Problem(field, reason, detail);
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

        int feature = _categoryFeatureOfSlot[categorySlot];
        byte[][] categories = feature < 0 ? _layout.TargetCategories : _layout.Features[feature].Categories;
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
}
