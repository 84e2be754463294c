using StreamRnn.Kafka.Embedded;

namespace StreamRnn.Kafka.Tests.Embedded;

[Trait("Category", "Unit")]

public sealed class LibrdkafkaLocatorTests
{
    [Fact]
    public void ReadMappings_KeepsOnlyLibrdkafkaImages()
    {
        string[] lines =
        [
            "7f1c2a000000-7f1c2a0a0000 r--p 00000000 08:01 1234 /opt/app/runtimes/linux-x64/native/centos8-librdkafka.so",
            "7f1c2a0a0000-7f1c2a400000 r-xp 000a0000 08:01 1234 /opt/app/runtimes/linux-x64/native/centos8-librdkafka.so",
            "7f1c2b000000-7f1c2b001000 r--p 00000000 08:01 99 /usr/lib/x86_64-linux-gnu/libc.so.6",
            "7f1c2c000000-7f1c2c001000 r--p 00000000 08:01 98 /opt/my app/librdkafka.so.1",
            "7f1c2d000000-7f1c2d001000 r--p 00000000 08:01 97 /opt/app/librdkafkacpp.so",
            "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]",
        ];

        var mappings = LibrdkafkaLocator.ReadMappings(lines);

        Assert.Equal(
            [
                (0x7f1c2a000000UL, 0x7f1c2a0a0000UL, "/opt/app/runtimes/linux-x64/native/centos8-librdkafka.so"),
                (0x7f1c2a0a0000UL, 0x7f1c2a400000UL, "/opt/app/runtimes/linux-x64/native/centos8-librdkafka.so"),
                (0x7f1c2c000000UL, 0x7f1c2c001000UL, "/opt/my app/librdkafka.so.1"),
            ],
            mappings);
    }

    [Fact]
    public void Open_FindsTheImageConfluentKafkaLoaded()
    {
        var (handle, path) = LibrdkafkaLocator.Open();

        Assert.NotEqual(0, handle);
        Assert.Contains(LibrdkafkaLocator.ReadMappings(File.ReadLines("/proc/self/maps")), m => m.Path == path);
        Assert.Equal("2.16.0", Confluent.Kafka.Library.VersionString);

        // Drops only this call's reference: Confluent.Kafka keeps the image loaded.
        System.Runtime.InteropServices.NativeLibrary.Free(handle);
    }
}
