using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// Tells the status whether the broker is reachable: a metadata request every two seconds on a timer, and the
/// clients' transport errors as they happen.
/// </summary>
internal sealed class BrokerProbe(ProcessorStatus status, ILogger logger)
{
    private Timer? _timer;
    private IAdminClient? _probeClient;

    /// <summary>Starts probing through the producer's connection.</summary>
    public void Start(Handle producer)
    {
        _probeClient = new DependentAdminClientBuilder(producer).Build();
        _timer = new Timer(_ => Probe(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
    }

    /// <summary>The error handler of the loop's clients.</summary>
    public void OnClientError(Error error)
    {
        ProcessorLog.ClientError(logger, error.Reason, error.Code.ToString());
        if (error.Code is ErrorCode.Local_AllBrokersDown or ErrorCode.Local_Transport)
        {
            status.SetBroker(false, error.Reason);
        }
    }

    public void Stop()
    {
        _timer?.Dispose();
        _timer = null;
        _probeClient?.Dispose();
        _probeClient = null;
    }

    private void Probe()
    {
        try
        {
            _probeClient?.GetMetadata(TimeSpan.FromSeconds(2));
            status.SetBroker(true, null);
        }
        catch (KafkaException e)
        {
            status.SetBroker(false, e.Error.Reason);
        }
        catch (ObjectDisposedException)
        {
            // Shutting down.
        }
    }
}
