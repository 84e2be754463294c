using Microsoft.Extensions.Time.Testing;
using System.Text;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Decoding;
using StreamRnn.Engine.Features;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Engine.Tests;

/// <summary>Every dead-letter reason, and what is accepted, through <see cref="PipelineRuntime.Process"/>.</summary>
[Trait("Category", "Unit")]
public sealed class DecoderMatrixTests
{
    private const string Good = """{"temperature":21.5,"load":0.5,"mode":"run"}""";

    public static TheoryData<string, DeadLetterReason, string> SensorCases() => new()
    {
        { "not json", DeadLetterReason.MalformedJson, "" },
        { "", DeadLetterReason.MalformedJson, "value is empty" },
        { "[1,2]", DeadLetterReason.MalformedJson, "not a JSON object" },
        { "42", DeadLetterReason.MalformedJson, "not a JSON object" },
        { """{"temperature":1,"load":2,"mode":"run" """, DeadLetterReason.MalformedJson, "" },
        { """{"temperature":1,"load":2,"mode":"run"} {}""", DeadLetterReason.MalformedJson, "" },
        { """{"temperature":{"x":1},"load":2,"mode":"run"} x""", DeadLetterReason.MalformedJson, "" },
        { """{"load":2,"mode":"run"}""", DeadLetterReason.MissingField, "field 'temperature' is missing" },
        { """{"temperature":null,"load":2,"mode":"run"}""", DeadLetterReason.MissingField, "field 'temperature' is null or empty" },
        { """{"temperature":"","load":2,"mode":"run"}""", DeadLetterReason.MissingField, "field 'temperature' is null or empty" },
        { """{"temperature":1,"load":2}""", DeadLetterReason.MissingField, "field 'mode' is missing" },
        { """{"temperature":{"v":1},"load":2,"mode":"run"}""", DeadLetterReason.WrongType, "field 'temperature': is a JSON object" },
        { """{"temperature":[1],"load":2,"mode":"run"}""", DeadLetterReason.WrongType, "field 'temperature': is a JSON array" },
        { """{"temperature":"warm","load":2,"mode":"run"}""", DeadLetterReason.WrongType, "field 'temperature': string is not a number" },
        { """{"temperature":1,"load":2,"mode":{"a":1}}""", DeadLetterReason.WrongType, "field 'mode': is a JSON object" },
        { """{"temperature":"NaN","load":2,"mode":"run"}""", DeadLetterReason.NonFiniteValue, "field 'temperature': value is not finite" },
        { """{"temperature":"-Infinity","load":2,"mode":"run"}""", DeadLetterReason.NonFiniteValue, "field 'temperature': value is not finite" },
        { """{"temperature":1e400,"load":2,"mode":"run"}""", DeadLetterReason.NonFiniteValue, "field 'temperature'" },
        { """{"temperature":1,"load":1e39,"mode":"run"}""", DeadLetterReason.NonFiniteValue, "field 'load'" },
        { """{"temperature":1,"load":2,"mode":"sleep"}""", DeadLetterReason.UnknownCategory, "field 'mode': 'sleep' is not one of the configured categories" },
    };

    [Theory]
    [MemberData(nameof(SensorCases))]
    public void Bad_values_are_dead_lettered_with_reason_and_field(string json, DeadLetterReason reason, string detail)
    {
        var runtime = TestPipelines.Runtime(TestPipelines.Sensors());
        var sink = new RecordingSink();
        runtime.Process([TestPipelines.Record(json, offset: 7, key: "dev-1")], sink);

        var dead = Assert.Single(sink.DeadLetters);
        Assert.Equal(reason, dead.Reason);
        Assert.Contains(detail, dead.Detail, StringComparison.Ordinal);
        Assert.Equal(7, dead.Offset);
        Assert.Equal(Encoding.UTF8.GetBytes(json), dead.Value);
        Assert.Empty(sink.Predictions);
        Assert.Equal(0, runtime.KeyCount);
        Assert.Equal(1, runtime.Counters.DeadLetters);
    }

    [Fact]
    public void Bad_keys_and_timestamps_from_the_record()
    {
        var runtime = TestPipelines.Runtime(TestPipelines.Sensors());
        var sink = new RecordingSink();
        var invalidUtf8 = new InputRecord(0, 1, 1_700_000_000_000, new byte[] { 0x41, 0xC3, 0x28 }, Encoding.UTF8.GetBytes(Good));
        runtime.Process(
        [
            TestPipelines.Record(Good, offset: 0, key: null),
            invalidUtf8,
            TestPipelines.Record(Good, offset: 2, key: new string('k', RecordDecoder.MaxKeyBytes + 1)),
            TestPipelines.Record(Good, offset: 3, key: "dev-1", timestamp: -1),
        ], sink);

        Assert.Equal(
            [DeadLetterReason.MissingKey, DeadLetterReason.MissingKey, DeadLetterReason.MissingKey, DeadLetterReason.BadTimestamp],
            sink.DeadLetters.Select(d => d.Reason));
        Assert.Equal("record key is empty", sink.DeadLetters[0].Detail);
        Assert.Equal("record key is not valid UTF-8", sink.DeadLetters[1].Detail);
        Assert.Equal("record key is 1025 bytes, at most 1024 are accepted", sink.DeadLetters[2].Detail);
        Assert.Equal("record timestamp -1 is not a valid time", sink.DeadLetters[3].Detail);
    }

    public static TheoryData<string, DeadLetterReason, string> StockCases() => new()
    {
        { """{"date":"2024-01-02","open":1,"close":2,"volume":3}""", DeadLetterReason.MissingKey, "key field 'symbol' is missing" },
        { """{"symbol":"","date":"2024-01-02","open":1,"close":2,"volume":3}""", DeadLetterReason.MissingKey, "key field 'symbol' is null or empty" },
        { """{"symbol":{"a":1},"date":"2024-01-02","open":1,"close":2,"volume":3}""", DeadLetterReason.WrongType, "field 'symbol': is a JSON object" },
        { """{"symbol":"A","open":1,"close":2,"volume":3}""", DeadLetterReason.BadTimestamp, "event time field 'date' is missing" },
        { """{"symbol":"A","date":"yesterday","open":1,"close":2,"volume":3}""", DeadLetterReason.BadTimestamp, "field 'date': not an ISO-8601 time" },
        { """{"symbol":"A","date":20240102,"open":1,"close":2,"volume":3}""", DeadLetterReason.BadTimestamp, "field 'date': expected an ISO-8601 string" },
        { """{"symbol":"A","date":"2024-01-02","open":1,"close":-2,"volume":3}""", DeadLetterReason.NonFiniteValue, "field 'close': LogReturn needs positive values, got -2" },
        { """{"symbol":"A","date":"2024-01-02","open":1,"close":0,"volume":3}""", DeadLetterReason.NonFiniteValue, "field 'close': LogReturn needs positive values, got 0" },
    };

    [Theory]
    [MemberData(nameof(StockCases))]
    public void Bad_key_and_time_fields(string json, DeadLetterReason reason, string detail)
    {
        var runtime = TestPipelines.Runtime(TestPipelines.Stocks());
        var sink = new RecordingSink();
        runtime.Process([TestPipelines.Record(json)], sink);
        var dead = Assert.Single(sink.DeadLetters);
        Assert.Equal(reason, dead.Reason);
        Assert.Contains(detail, dead.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_records_are_rejected_before_parsing()
    {
        var definition = TestPipelines.Sensors();
        definition.MaxRecordBytes = 64;
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        string big = """{"temperature":21.5,"load":0.5,"mode":"run","padding":"0123456789012345678901234"}""";
        runtime.Process([TestPipelines.Record(big, key: "dev-1"), TestPipelines.Record(Good, offset: 1, key: "dev-1")], sink);
        var dead = Assert.Single(sink.DeadLetters);
        Assert.Equal(DeadLetterReason.OversizedRecord, dead.Reason);
        Assert.Equal($"value is {big.Length} bytes, MaxRecordBytes is 64", dead.Detail);
        Assert.Single(sink.Predictions);
    }

    [Fact]
    public void Numbers_as_strings_booleans_extra_fields_escapes_and_unicode_keys_are_accepted()
    {
        var runtime = TestPipelines.Runtime(TestPipelines.Sensors());
        var sink = new RecordingSink();
        string key = "温度-センサー-é/1";
        runtime.Process(
        [
            TestPipelines.Record("""{"extra":{"nested":[1,2,{"x":null}]},"temperature":" 21.5 ","load":true,"mode":"idle","more":"x"}""", 0, key),
            TestPipelines.Record("""{"\u0074emperature":"2.15e1","load":false,"mode":"fault"}""", 1, key),
            TestPipelines.Record("""{"temperature":-3,"load":"0","mode":"r\u0075n","temperature":22}""", 2, key),
        ], sink);

        Assert.Empty(sink.DeadLetters);
        Assert.Equal(3, sink.Predictions.Count);
        Assert.All(sink.Predictions, p => Assert.Equal(key, p.Key));
        var json = sink.PredictionJson(0);
        Assert.Equal(key, json.GetProperty("key").GetString());
        Assert.Contains(key, sink.Predictions[0].Json, StringComparison.Ordinal); // written as UTF-8, not \u escapes
        Assert.Equal(1, runtime.KeyCount);
        Assert.Equal(3, runtime.QueryKey(key)!.Steps);
    }

    [Fact]
    public void Decoder_reads_numbers_as_strings_exactly()
    {
        var definition = TestPipelines.Sensors();
        var layout = new FeatureLayout(definition);
        var decoder = new RecordDecoder(definition, layout);
        var record = TestPipelines.Record("""{"temperature":"12.5","load":"-1e-3","mode":"fault"}""", key: "k");
        Assert.True(decoder.TryDecode(record, out _, out _));
        Assert.Equal([12.5, -0.001], decoder.Values);
        Assert.Equal([2], decoder.CategoryIndices);
        Assert.Equal("k", decoder.KeyChars.ToString());
        Assert.Equal(1_700_000_000_000, decoder.EventTimeUnixMs);
    }

    [Theory]
    [InlineData(EventTimeFormat.UnixMilliseconds, "1700000000123", 1_700_000_000_123)]
    [InlineData(EventTimeFormat.UnixMilliseconds, "\"1700000000123\"", 1_700_000_000_123)]
    [InlineData(EventTimeFormat.UnixSeconds, "1700000000.5", 1_700_000_000_500)]
    [InlineData(EventTimeFormat.Iso8601, "\"2023-11-14T22:13:20.123Z\"", 1_700_000_000_123)]
    [InlineData(EventTimeFormat.Iso8601, "\"2023-11-14T23:13:20.123+01:00\"", 1_700_000_000_123)]
    [InlineData(EventTimeFormat.Iso8601, "\"2023-11-14\"", 1_699_920_000_000)]
    public void Event_time_formats(EventTimeFormat format, string value, long expected)
    {
        var definition = TestPipelines.Sensors();
        definition.EventTime = new EventTimeOptions { Source = EventTimeSource.Field, Field = "t", Format = format };
        var decoder = new RecordDecoder(definition, new FeatureLayout(definition));
        var record = TestPipelines.Record($$"""{"t":{{value}},"temperature":1,"load":2,"mode":"run"}""", key: "k");
        Assert.True(decoder.TryDecode(record, out var reason, out string? detail), $"{reason}: {detail}");
        Assert.Equal(expected, decoder.EventTimeUnixMs);
    }

    [Fact]
    public void A_step_with_non_finite_results_is_dead_lettered_as_numerical_error()
    {
        var definition = new PipelineDefinition
        {
            Name = "raw",
            InputTopic = "in",
            OutputTopic = "out",
            Features = [new FeatureOptions { Field = "a" }, new FeatureOptions { Field = "b" }],
            Target = new TargetOptions { Field = "a" },
            Model = new ModelOptions { Cell = CellKind.Rnn, HiddenSize = 4, Head = HeadKind.Linear },
        };
        var shape = definition.CreateShape();
        float[] parameters = Enumerable.Repeat(1e38f, shape.ParameterCount).ToArray();
        var runtime = new PipelineRuntime(definition, ModelWeights.FromParameters(shape, parameters, 1),
            TestPipelines.Clock(), null);
        var sink = new RecordingSink();
        runtime.Process([TestPipelines.Record("""{"a":1e38,"b":-1e38}""", key: "k")], sink);
        var dead = Assert.Single(sink.DeadLetters);
        Assert.Equal(DeadLetterReason.NumericalError, dead.Reason);
        Assert.Empty(sink.Predictions);
        // The key arrived with the failed record: it is not kept (as if the record never arrived).
        Assert.Null(runtime.StateOf("k"));
    }
}
