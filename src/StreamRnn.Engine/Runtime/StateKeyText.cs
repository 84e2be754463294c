using System.Buffers;
using System.Text.Unicode;
using StreamRnn.Engine.Decoding;
using StreamRnn.Engine.State;

namespace StreamRnn.Engine.Runtime;

/// <summary>Decodes a state key read back from a changelog or snapshot (UTF-8) into one reused buffer, rejecting bad keys.</summary>
internal sealed class StateKeyText
{
    private readonly char[] _keyChars = new char[RecordDecoder.MaxKeyBytes];

    public ReadOnlySpan<char> Decode(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty || key.Length > RecordDecoder.MaxKeyBytes
            || Utf8.ToUtf16(key, _keyChars, out _, out int written, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            throw new StateFormatException($"State key of {key.Length} bytes is empty, longer than {RecordDecoder.MaxKeyBytes} bytes or not valid UTF-8.");
        }

        return _keyChars.AsSpan(0, written);
    }
}
