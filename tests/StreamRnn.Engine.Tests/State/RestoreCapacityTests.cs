using System.Buffers.Binary;
using StreamRnn.Core.Serialization;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Features;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.State;

namespace StreamRnn.Engine.Tests;

[Trait("Category", "Unit")]

public sealed class RestoreCapacityTests
{
    [Fact]
    public void A_capacity_hint_sizes_slabs_and_index_once_caps_at_max_keys_and_never_shrinks()
    {
        var store = new KeyStateStore(stateSize: 6, statisticCount: 2, previousCount: 1, pendingCount: 3, maxKeys: 10_000);
        Assert.Equal(64, store.Capacity);
        Assert.Equal(500, store.EnsureCapacity(500));
        Assert.Equal(500 * 6, store.States.Length);
        Assert.Equal(500 * 2 * RunningStatistics.Width, store.Statistics.Length);
        float[] states = store.States;
        for (int i = 0; i < 500; i++)
        {
            store.Add($"k{i}", System.Text.Encoding.UTF8.GetBytes($"k{i}"), partition: 0, now: 0);
        }

        Assert.Same(states, store.States);
        store.StateMutable(499)[5] = 1.5f;
        Assert.Equal(500, store.EnsureCapacity(100));

        // A second partition's hint (the keys so far plus its own) doubles rather than adding exactly its keys.
        Assert.Equal(1_000, store.EnsureCapacity(600));
        Assert.Equal(1_000 * 6, store.States.Length);
        Assert.Equal(10_000, store.EnsureCapacity(50_000));
        Assert.Equal(500, store.Count);
        Assert.Equal(499, store.Find("k499"));
        Assert.Equal(1.5f, store.State(499)[5]);
    }

    [Fact]
    public void A_snapshot_larger_than_the_write_chunk_keeps_the_format_and_reads_back_from_files_and_unseekable_streams()
    {
        // H = 128: ≈ 1.1 KB per key, so the (more than 2,000) keys of 2,500 symbols make a snapshot of three 1 MiB write chunks.
        var definition = TestPipelines.Stocks(hidden: 128);
        definition.State.MaxKeys = 3_000;
        var runtime = TestPipelines.Runtime(definition);
        runtime.Process(TestPipelines.StockRecords(5_000, keys: 2_500, seed: 8), new RecordingSink());
        using var stream = new MemoryStream();
        runtime.WriteSnapshot(0, stream);
        byte[] bytes = stream.ToArray();
        Assert.True(bytes.Length > 2 << 20, $"{bytes.Length} bytes");
        int keys = runtime.KeyCount;
        Assert.True(keys > 2_000, $"{keys} keys");

        // The format as before: header, per key (key, value with its own CRC), a CRC-32 of everything before it.
        Assert.Equal(Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)));
        Assert.Equal(keys, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(20)));
        int offset = 36, values = 0;
        while (offset < bytes.Length - 4)
        {
            int keyLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
            int valueLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset + 4 + keyLength));
            var value = bytes.AsSpan(offset + 8 + keyLength, valueLength);
            Assert.Equal(runtime.ChangelogValueBytes, valueLength);
            Assert.Equal(Crc32.Compute(value[..^4]), BinaryPrimitives.ReadUInt32LittleEndian(value[^4..]));
            offset += 8 + keyLength + valueLength;
            values++;
        }

        Assert.Equal(keys, values);
        Assert.Equal(bytes.Length - 4, offset);

        string path = Path.Combine(Path.GetTempPath(), $"streamrnn-restore-capacity-{Guid.NewGuid():N}.snapshot");
        File.WriteAllBytes(path, bytes);
        try
        {
            var fromFile = TestPipelines.Runtime(definition);
            using (var file = File.OpenRead(path))
            {
                Assert.Equal(0, fromFile.ReadSnapshot(file));
            }

            StateAssert.BitIdentical(runtime, fromFile);
        }
        finally
        {
            File.Delete(path);
        }

        var fromPipe = TestPipelines.Runtime(definition);
        fromPipe.ReadSnapshot(new ForwardOnlyStream(bytes));
        StateAssert.BitIdentical(runtime, fromPipe);

        // A flipped bit inside a value deep in the file is caught by the file's checksum (values' own CRCs are not
        // recomputed on a snapshot read), and nothing is loaded.
        bytes[bytes.Length / 2] ^= 0x10;
        var rejected = TestPipelines.Runtime(definition);
        var exception = Assert.Throws<StateFormatException>(() => rejected.ReadSnapshot(new MemoryStream(bytes)));
        Assert.Contains("checksum mismatch", exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, rejected.KeyCount);
    }

    /// <summary>A stream that cannot seek (a pipe, a network stream): the snapshot reader must not rely on Length.</summary>
    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            // Short reads on purpose (at most 4 KiB), as a socket gives them.
            int n = Math.Min(Math.Min(count, 4096), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }

        public override void Flush() => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
