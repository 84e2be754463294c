using StreamRnn.Core;
using StreamRnn.Kafka.Models;

namespace StreamRnn.Kafka.Tests.Models;

/// <summary>
/// The model topic across the highway: a record of a model without highway (weight format 1, as a peer of an older build
/// publishes) decodes for a pipeline whose shape has one, widened with W_hw = 0; a record with a highway round-trips
/// (weight format 2); one with a highway is refused where the pipeline has none.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ModelRecordHighwayTests
{
    private static readonly ModelShape Plain = new(CellKind.Gru, 3, 8, 1, HeadKind.Gaussian);
    private static readonly ModelShape Wide = Plain with { HighwayInputs = 3 };

    [Fact]
    public void A_record_without_highway_is_widened_and_one_with_highway_round_trips()
    {
        var plain = ModelWeights.Initialize(Plain, 4, version: 7);
        var widened = ModelRecord.Decode("peer"u8, ModelRecord.Encode(plain, 12), Wide);
        Assert.Equal(Wide, widened.Weights.Shape);
        Assert.Equal(7, widened.Weights.Version);
        Assert.Equal(12, widened.WindowsTrained);
        Assert.Equal(plain.Parameters.ToArray(), widened.Weights.Parameters[..Plain.ParameterCount].ToArray());
        Assert.All(widened.Weights.Parameters[Plain.ParameterCount..].ToArray(), v => Assert.Equal(0f, v));

        float[] trained = widened.Weights.Parameters.ToArray();
        trained[^1] = 0.25f;
        var wide = ModelWeights.FromParameters(Wide, trained, 8);
        var again = ModelRecord.Decode("peer"u8, ModelRecord.Encode(wide, 13), Wide);
        Assert.Equal(trained, again.Weights.Parameters.ToArray());

        var e = Assert.Throws<ModelFormatException>(() => ModelRecord.Decode("peer"u8, ModelRecord.Encode(wide, 13), Plain));
        Assert.StartsWith("Shape mismatch", e.Message);
    }
}
