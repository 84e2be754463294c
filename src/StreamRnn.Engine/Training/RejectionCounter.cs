using Prometheus;
using StreamRnn.Engine.Metrics;

namespace StreamRnn.Engine.Training;

/// <summary>Counts rejected candidates per reason (<see cref="OnlineTrainer.RejectionReasons"/>), also on streamrnn_model_rejections_total.</summary>
internal sealed class RejectionCounter
{
    public const int NonFinite = 0;
    public const int Worse = 1;
    public const int NoValidation = 2;
    public const int Superseded = 3;
    public const int NoPositive = 4;

    private readonly long[] _rejections = new long[OnlineTrainer.RejectionReasons.Length];
    private readonly Counter.Child[]? _rejectionMetrics;

    public RejectionCounter(string pipeline, StreamRnnMetrics? metrics)
    {
        if (metrics is not null)
        {
            _rejectionMetrics = new Counter.Child[OnlineTrainer.RejectionReasons.Length];
            for (int i = 0; i < OnlineTrainer.RejectionReasons.Length; i++)
            {
                _rejectionMetrics[i] = metrics.ModelRejections.WithLabels(pipeline, OnlineTrainer.RejectionReasons[i]);
            }
        }
    }

    public long Of(int reason) => Interlocked.Read(ref _rejections[reason]);

    public void Count(int reason)
    {
        Interlocked.Increment(ref _rejections[reason]);
        _rejectionMetrics?[reason].Inc();
    }
}
