using StreamRnn.Core.Serialization;

namespace StreamRnn.Core.Tests;

/// <summary>The checksum agrees with the textbook bit-at-a-time definition, whatever the length.</summary>
[Trait("Category", "Unit")]
public sealed class Crc32Tests
{
    private static uint Reference(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return crc ^ 0xFFFFFFFFu;
    }

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
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(540)]
    [InlineData(1436)]
    [InlineData(65_539)]
    public void Compute_and_Append_equal_the_bitwise_definition_for_every_remainder(int length)
    {
        byte[] data = new byte[length];
        new Random(length).NextBytes(data);
        uint expected = Reference(data);
        Assert.Equal(expected, Crc32.Compute(data));
    }

    [Fact]
    public void Known_answer()
    {
        // The CRC-32 check value of "123456789" (zlib, IEEE 802.3).
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
    }
}
