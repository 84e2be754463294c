using System.Runtime.InteropServices;
using System.Text;

namespace StreamRnn.Kafka.Embedded;

/// <summary>
/// Function pointers into librdkafka's client and mock-cluster C API (<c>rdkafka.h</c>, <c>rdkafka_mock.h</c>),
/// bound to the image Confluent.Kafka uses (see <see cref="LibrdkafkaLocator"/>).
/// </summary>
/// <remarks>
/// Function pointers from <see cref="NativeLibrary.GetExport"/> are used instead of <c>[LibraryImport]</c> so that
/// this binding needs no <c>DllImportResolver</c> on the assembly (only one may be registered per assembly, and it
/// is not ours to take). The mock API is marked experimental upstream and is not covered by librdkafka's ABI
/// guarantees: the signatures here match librdkafka 2.16 as shipped with Confluent.Kafka 2.16.0, and every symbol
/// is resolved at start-up so that a mismatch fails loudly there instead of at the first call. The variadic
/// <c>rd_kafka_mock_push_request_errors</c> is deliberately not bound; its <c>_array</c> twin is.
/// </remarks>
internal sealed unsafe class LibrdkafkaMockApi
{
    /// <summary><c>RD_KAFKA_PRODUCER</c>: the host handle's type; a producer handle starts no consumer group machinery.</summary>
    public const int ProducerType = 0;

    /// <summary><c>RD_KAFKA_CONF_OK</c>.</summary>
    public const int ConfOk = 0;

    private static readonly Lazy<LibrdkafkaMockApi> Shared = new(() => new LibrdkafkaMockApi(), LazyThreadSafetyMode.ExecutionAndPublication);

    private LibrdkafkaMockApi()
    {
        (nint handle, LibraryPath) = LibrdkafkaLocator.Open();
        nint Export(string name) => NativeLibrary.GetExport(handle, name);

        ConfNew = (delegate* unmanaged[Cdecl]<nint>)Export("rd_kafka_conf_new");
        ConfSet = (delegate* unmanaged[Cdecl]<nint, byte*, byte*, byte*, nuint, int>)Export("rd_kafka_conf_set");
        ConfSetOpaque = (delegate* unmanaged[Cdecl]<nint, nint, void>)Export("rd_kafka_conf_set_opaque");
        ConfSetLogCallback = (delegate* unmanaged[Cdecl]<nint, delegate* unmanaged[Cdecl]<nint, int, byte*, byte*, void>, void>)Export("rd_kafka_conf_set_log_cb");
        ConfDestroy = (delegate* unmanaged[Cdecl]<nint, void>)Export("rd_kafka_conf_destroy");
        KafkaNew = (delegate* unmanaged[Cdecl]<int, nint, byte*, nuint, nint>)Export("rd_kafka_new");
        KafkaDestroy = (delegate* unmanaged[Cdecl]<nint, void>)Export("rd_kafka_destroy");
        Opaque = (delegate* unmanaged[Cdecl]<nint, nint>)Export("rd_kafka_opaque");
        ClusterNew = (delegate* unmanaged[Cdecl]<nint, int, nint>)Export("rd_kafka_mock_cluster_new");
        ClusterDestroy = (delegate* unmanaged[Cdecl]<nint, void>)Export("rd_kafka_mock_cluster_destroy");
        ClusterBootstraps = (delegate* unmanaged[Cdecl]<nint, byte*>)Export("rd_kafka_mock_cluster_bootstraps");
        TopicCreate = (delegate* unmanaged[Cdecl]<nint, byte*, int, int, int>)Export("rd_kafka_mock_topic_create");
        PartitionSetLeader = (delegate* unmanaged[Cdecl]<nint, byte*, int, int, int>)Export("rd_kafka_mock_partition_set_leader");
        GroupInitialRebalanceDelayMs = (delegate* unmanaged[Cdecl]<nint, int, void>)Export("rd_kafka_mock_group_initial_rebalance_delay_ms");
        GroupConsumerSessionTimeoutMs = (delegate* unmanaged[Cdecl]<nint, int, void>)Export("rd_kafka_mock_set_group_consumer_session_timeout_ms");
        GroupConsumerHeartbeatIntervalMs = (delegate* unmanaged[Cdecl]<nint, int, void>)Export("rd_kafka_mock_set_group_consumer_heartbeat_interval_ms");
        BrokerSetDown = (delegate* unmanaged[Cdecl]<nint, int, int>)Export("rd_kafka_mock_broker_set_down");
        BrokerSetUp = (delegate* unmanaged[Cdecl]<nint, int, int>)Export("rd_kafka_mock_broker_set_up");
        BrokerSetRtt = (delegate* unmanaged[Cdecl]<nint, int, int, int>)Export("rd_kafka_mock_broker_set_rtt");
        PushRequestErrorsArray = (delegate* unmanaged[Cdecl]<nint, short, nuint, int*, void>)Export("rd_kafka_mock_push_request_errors_array");
        ClearRequestErrors = (delegate* unmanaged[Cdecl]<nint, short, void>)Export("rd_kafka_mock_clear_request_errors");
    }

    /// <summary>The binding to the process's librdkafka, created on first use.</summary>
    public static LibrdkafkaMockApi Instance => Shared.Value;

    /// <summary>The file the shared librdkafka image was mapped from.</summary>
    public string LibraryPath { get; }

    public delegate* unmanaged[Cdecl]<nint> ConfNew { get; }
    public delegate* unmanaged[Cdecl]<nint, byte*, byte*, byte*, nuint, int> ConfSet { get; }
    public delegate* unmanaged[Cdecl]<nint, nint, void> ConfSetOpaque { get; }
    public delegate* unmanaged[Cdecl]<nint, delegate* unmanaged[Cdecl]<nint, int, byte*, byte*, void>, void> ConfSetLogCallback { get; }
    public delegate* unmanaged[Cdecl]<nint, void> ConfDestroy { get; }
    public delegate* unmanaged[Cdecl]<int, nint, byte*, nuint, nint> KafkaNew { get; }
    public delegate* unmanaged[Cdecl]<nint, void> KafkaDestroy { get; }
    public delegate* unmanaged[Cdecl]<nint, nint> Opaque { get; }
    public delegate* unmanaged[Cdecl]<nint, int, nint> ClusterNew { get; }
    public delegate* unmanaged[Cdecl]<nint, void> ClusterDestroy { get; }
    public delegate* unmanaged[Cdecl]<nint, byte*> ClusterBootstraps { get; }
    public delegate* unmanaged[Cdecl]<nint, byte*, int, int, int> TopicCreate { get; }
    public delegate* unmanaged[Cdecl]<nint, byte*, int, int, int> PartitionSetLeader { get; }
    public delegate* unmanaged[Cdecl]<nint, int, void> GroupInitialRebalanceDelayMs { get; }
    public delegate* unmanaged[Cdecl]<nint, int, void> GroupConsumerSessionTimeoutMs { get; }
    public delegate* unmanaged[Cdecl]<nint, int, void> GroupConsumerHeartbeatIntervalMs { get; }
    public delegate* unmanaged[Cdecl]<nint, int, int> BrokerSetDown { get; }
    public delegate* unmanaged[Cdecl]<nint, int, int> BrokerSetUp { get; }
    public delegate* unmanaged[Cdecl]<nint, int, int, int> BrokerSetRtt { get; }
    public delegate* unmanaged[Cdecl]<nint, short, nuint, int*, void> PushRequestErrorsArray { get; }
    public delegate* unmanaged[Cdecl]<nint, short, void> ClearRequestErrors { get; }

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="value"/> for a <c>const char *</c> argument.</summary>
    public static byte[] Utf8(string value)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    /// <summary>Sets one configuration property, throwing with librdkafka's own message on failure.</summary>
    public void SetConfig(nint conf, string name, string value)
    {
        byte* error = stackalloc byte[512];
        fixed (byte* namePointer = Utf8(name))
        fixed (byte* valuePointer = Utf8(value))
        {
            if (ConfSet(conf, namePointer, valuePointer, error, 512) != ConfOk)
            {
                throw new ArgumentException($"librdkafka rejected {name}={value}: {Marshal.PtrToStringUTF8((nint)error)}");
            }
        }
    }
}
