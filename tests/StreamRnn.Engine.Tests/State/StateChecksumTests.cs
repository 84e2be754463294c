using StreamRnn.Core.Serialization;

namespace StreamRnn.Engine.Tests;

public sealed class StateChecksumTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(63)]
    [InlineData(540)]
    [InlineData(1436)]
    [InlineData(65_539)]
    public void Equals_the_cores_table_crc_for_every_remainder(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        Assert.Equal(Crc32.Compute(data), StateChecksum.Compute(data));
    }

    [Fact]
    public void Known_answer_and_chaining_at_every_split()
    {
        // The CRC-32 check value of "123456789" (zlib, IEEE 802.3).
        Assert.Equal(0xCBF43926u, StateChecksum.Compute("123456789"u8));
        var data = new byte[37];
        new Random(5).NextBytes(data);
        uint whole = StateChecksum.Compute(data);
        for (int split = 0; split <= data.Length; split++)
        {
            uint crc = StateChecksum.Append(Crc32.Initial, data.AsSpan(0, split));
            Assert.Equal(whole, Crc32.Finish(StateChecksum.Append(crc, data.AsSpan(split))));
        }
    }
}
