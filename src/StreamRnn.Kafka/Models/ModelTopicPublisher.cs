using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRnn.Engine;

namespace StreamRnn.Kafka.Models;

/// <summary>
/// Publishes the versions this instance trained (or merged) to the pipeline's model topic, keyed by instance id, so
/// other instances can merge or follow them and a restart on another machine finds them.
/// </summary>
public sealed class ModelTopicPublisher(IProducer<byte[], byte[]> producer, string pipeline, string topic, string instanceId, ILogger logger)
{
    private readonly byte[] key = Encoding.UTF8.GetBytes(instanceId);

    /// <summary>Publishes a promotion made here; versions adopted from others are not echoed back.</summary>
    public void OnPromoted(ModelPromotion promotion)
    {
        if (promotion.Source is not (ModelSource.Trained or ModelSource.Merged or ModelSource.Restored))
        {
            return;
        }

        var value = ModelRecord.Encode(promotion.Weights, promotion.WindowsTrained);
        producer.Produce(topic, new Message<byte[], byte[]> { Key = key, Value = value }, report =>
        {
            if (!report.Error.IsError)
            {
                ModelLog.Published(logger, promotion.Weights.Version, pipeline, topic, promotion.WindowsTrained);
            }
        });
    }
}
