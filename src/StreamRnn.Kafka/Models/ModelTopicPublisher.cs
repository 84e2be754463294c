using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRnn.Engine.Training;

namespace StreamRnn.Kafka.Models;

/// <summary>
/// Publishes the versions this instance trained (or merged) to the pipeline's model topic, keyed by instance id, so
/// other instances can merge or follow them and a restart on another machine finds them.
/// </summary>
/// <remarks>
/// A record's window count is its weight in other instances' merges (<see cref="ModelContribution.WindowsTrained"/>):
/// the windows this instance trained since its last merge, the same count the trainer gives its own champion when it
/// merges. A promotion only says what its own round trained, so the count is summed here over Trained promotions and
/// restarts from 0 at each Merged one (a merged version carries no training of its own yet). Promotions arrive in
/// order on one thread at a time (<see cref="ModelRegistry.Promotions"/>), so the sum needs no lock.
/// </remarks>
/// <param name="signer">Signs every record (header <see cref="ModelRecordSigner.HeaderName"/>); null publishes unsigned records.</param>
public sealed class ModelTopicPublisher(IProducer<byte[], byte[]> producer, string pipeline, string topic, string instanceId, ILogger logger,
    ModelRecordSigner? signer = null)
{
    /// <summary>Header of a merged version's record: the averaged versions as "instance:version:windows,…", local first.</summary>
    public const string MergedFromHeader = "streamrnn.merged-from";

    private readonly byte[] _key = Encoding.UTF8.GetBytes(instanceId);
    private long _windowsSinceMerge;

    /// <summary>Publishes a promotion made here; versions adopted from others are not echoed back.</summary>
    public void OnPromoted(ModelPromotion promotion)
    {
        switch (promotion.Source)
        {
            case ModelSource.Trained:
                _windowsSinceMerge += promotion.WindowsTrained;
                break;
            case ModelSource.Merged:
                _windowsSinceMerge = 0;
                break;
            case ModelSource.Restored:
                break;
            default:
                return;
        }

        long windows = _windowsSinceMerge;
        byte[] value = ModelRecord.Encode(promotion.Weights, windows);
        var message = new Message<byte[], byte[]> { Key = _key, Value = value, Headers = new Headers() };
        string mergedFrom = string.Join(',', promotion.MergedFrom);
        if (mergedFrom.Length > 0)
        {
            // Provenance for operators and tools (kcat -f '%h'); instances do not need it to merge.
            message.Headers.Add(MergedFromHeader, Encoding.UTF8.GetBytes(mergedFrom));
        }

        if (signer is not null)
        {
            message.Headers.Add(ModelRecordSigner.HeaderName, signer.Sign(_key, value));
        }

        producer.Produce(topic, message, report =>
        {
            if (report.Error.IsError)
            {
                return;
            }

            ModelLog.Published(logger, promotion.Weights.Version, pipeline, topic, promotion.Source.ToString(), windows);
            if (mergedFrom.Length > 0)
            {
                ModelLog.PublishedMerge(logger, promotion.Weights.Version, pipeline, mergedFrom);
            }
        });
    }
}
