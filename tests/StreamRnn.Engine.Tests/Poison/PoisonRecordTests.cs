using Microsoft.Extensions.Time.Testing;
using System.Text;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Features;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// Issue 12's poison records through <see cref="PipelineRuntime.Process"/>: each is dead-lettered with a reason, the
/// rest of its batch is processed, and no key's state is changed by a record that was not applied.
/// </summary>
[Trait("Category", "Unit")]
public sealed class PoisonRecordTests
{
    private const string Good = """{"temperature":21.5,"load":0.5,"mode":"run"}""";

    public static TheoryData<string> SurrogateCases() => new()
    {
        """{"symbol":"\ud800","date":"2024-01-02","open":1,"close":2,"volume":3}""",
        """{"symbol":"AB\udc00C","date":"2024-01-02","open":1,"close":2,"volume":3}""",
        """{"symbol":"S1","date":"2024-01-02","open":1,"close":2,"volume":"\ud83d"}""",
        """{"symbol":"S1","date":"\ud800","open":1,"close":2,"volume":3}""",
        """{"symbol":"S1","\ud800":1,"date":"2024-01-02","open":1,"close":2,"volume":3}""",
    };

    [Theory]
    [MemberData(nameof(SurrogateCases))]
    public void A_lone_surrogate_is_a_DecodeError_and_the_rest_of_the_batch_still_gets_output(string poison)
    {
        var runtime = TestPipelines.Runtime(TestPipelines.Stocks());
        var sink = new RecordingSink();
        runtime.Process(
        [
            TestPipelines.Record("""{"symbol":"S1","date":"2024-01-01","open":1,"close":2,"volume":3}""", offset: 0),
            TestPipelines.Record(poison, offset: 1),
            TestPipelines.Record("""{"symbol":"S1","date":"2024-01-02","open":2,"close":3,"volume":4}""", offset: 2),
        ], sink);

        var dead = Assert.Single(sink.DeadLetters);
        Assert.Equal(1, dead.Offset);
        Assert.Equal(DeadLetterReason.DecodeError, dead.Reason);
        Assert.Contains("InvalidOperationException", dead.Detail, StringComparison.Ordinal);
        Assert.Equal(2, Assert.Single(sink.Predictions).Offset);
    }

    [Fact]
    public void A_repeated_field_takes_its_last_value_and_a_bad_first_value_is_not_fatal()
    {
        var runtime = TestPipelines.Runtime(TestPipelines.Sensors());
        var sink = new RecordingSink();
        runtime.Process(
        [
            TestPipelines.Record("""{"temperature":"warm","temperature":21.5,"load":0.5,"mode":"sleep","mode":"run"}""", offset: 0, key: "a"),
            TestPipelines.Record("""{"temperature":21.5,"temperature":"warm","load":0.5,"mode":"run"}""", offset: 1, key: "b"),
            TestPipelines.Record("""{"temperature":21.5,"temperature":null,"load":0.5,"mode":"run"}""", offset: 2, key: "c"),
        ], sink);

        Assert.Equal(0, Assert.Single(sink.Predictions).Offset);
        Assert.Equal([(1L, DeadLetterReason.WrongType), (2L, DeadLetterReason.MissingField)],
            sink.DeadLetters.Select(d => (d.Offset, d.Reason)));
        Assert.Contains("field 'temperature': string is not a number", sink.DeadLetters[0].Detail, StringComparison.Ordinal);

        // The runtime that saw the repeated field holds the same state as one that saw only the last value.
        var reference = TestPipelines.Runtime(TestPipelines.Sensors());
        reference.Process([TestPipelines.Record(Good, offset: 0, key: "a")], new RecordingSink());
        Assert.Equal(reference.StateOf("a"), runtime.StateOf("a"));
    }

    [Fact]
    public void Escaped_keys_are_accepted_up_to_1024_bytes_once_unescaped()
    {
        var runtime = TestPipelines.Runtime(TestPipelines.Stocks());
        var sink = new RecordingSink();
        // "\u00e9" is 6 bytes escaped, 2 bytes of UTF-8: 512 of them are a 1,024-byte key (3,072 bytes escaped).
        string Key(int count) => string.Concat(Enumerable.Repeat("\\u00e9", count));
        string Json(string key, string date) => $$"""{"symbol":"{{key}}","date":"{{date}}","open":1,"close":2,"volume":3}""";
        runtime.Process(
        [
            TestPipelines.Record(Json(Key(512), "2024-01-01"), offset: 0),
            TestPipelines.Record(Json(Key(512), "2024-01-02"), offset: 1),
            TestPipelines.Record(Json(Key(513), "2024-01-01"), offset: 2),
            TestPipelines.Record(Json(Key(1100), "2024-01-01"), offset: 3),
        ], sink);

        Assert.Equal(1, Assert.Single(sink.Predictions).Offset);
        Assert.NotNull(runtime.StateOf(new string('é', 512)));
        Assert.Equal([(2L, DeadLetterReason.MissingKey), (3L, DeadLetterReason.MissingKey)], sink.DeadLetters.Select(d => (d.Offset, d.Reason)));
        Assert.Contains("1026 bytes, at most 1024", sink.DeadLetters[0].Detail, StringComparison.Ordinal);
        Assert.Contains("too long", sink.DeadLetters[1].Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1e200")]
    [InlineData("-1e200")]
    [InlineData("1.7e308")]
    public void A_value_that_would_overflow_the_running_statistics_is_rejected_and_the_key_is_unchanged(string huge)
    {
        var runtime = TestPipelines.Runtime(TestPipelines.Sensors());
        var reference = TestPipelines.Runtime(TestPipelines.Sensors());
        var sink = new RecordingSink();
        var warmup = Enumerable.Range(0, 5)
            .Select(i => TestPipelines.Record($$"""{"temperature":{{20 + i}},"load":0.5,"mode":"run"}""", offset: i, key: "dev")).ToArray();
        runtime.Process(warmup, sink);
        reference.Process(warmup, new RecordingSink());

        runtime.Process([TestPipelines.Record($$"""{"temperature":{{huge}},"load":0.5,"mode":"run"}""", offset: 5, key: "dev")], sink);
        var dead = Assert.Single(sink.DeadLetters);
        Assert.Equal(DeadLetterReason.NonFiniteValue, dead.Reason);
        Assert.Contains("would overflow", dead.Detail, StringComparison.Ordinal);
        StateAssert.BitIdentical(reference, runtime);

        // Later records are predicted as if the absurd one never arrived.
        var next = TestPipelines.Record("""{"temperature":26,"load":0.5,"mode":"run"}""", offset: 6, key: "dev");
        var expected = new RecordingSink();
        reference.Process([next], expected);
        sink.Clear();
        runtime.Process([next], sink);
        Assert.Equal(expected.Predictions, sink.Predictions);
        Assert.Empty(sink.DeadLetters);
    }

    [Fact]
    public void Running_statistics_refuse_an_update_that_would_overflow_and_stay_unchanged()
    {
        double[] statistic = [3, 10, 4];
        Assert.False(RunningStatistics.Update(statistic, 1e200, 0));
        Assert.Equal([3, 10, 4], statistic);
        Assert.True(RunningStatistics.Update(statistic, 1e150, 0));
        Assert.True(double.IsFinite(statistic[2]));
    }

    [Fact]
    public void A_record_stamped_beyond_MaxFutureSkew_is_dead_lettered_and_does_not_freeze_its_key()
    {
        var definition = TestPipelines.Stocks();
        definition.LateRecords = LateRecordPolicy.Drop;
        definition.Input.MaxFutureSkew = TimeSpan.FromDays(1);
        var runtime = TestPipelines.Runtime(definition, new FakeTimeProvider(TestPipelines.Start.AddDays(10)));
        var sink = new RecordingSink();
        runtime.Process(
        [
            TestPipelines.Record("""{"symbol":"S1","date":"2024-01-01","open":1,"close":2,"volume":3}""", offset: 0),
            TestPipelines.Record("""{"symbol":"S1","date":"9999-12-31","open":1,"close":2,"volume":3}""", offset: 1),
            TestPipelines.Record("""{"symbol":"S1","date":"2024-01-13","open":1,"close":2,"volume":3}""", offset: 2),
            TestPipelines.Record("""{"symbol":"S1","date":"2024-01-02","open":2,"close":3,"volume":4}""", offset: 3),
        ], sink);

        Assert.Equal([(1L, DeadLetterReason.FutureTimestamp), (2L, DeadLetterReason.FutureTimestamp)],
            sink.DeadLetters.Select(d => (d.Offset, d.Reason)));
        Assert.Contains("Input:MaxFutureSkew", sink.DeadLetters[0].Detail, StringComparison.Ordinal);
        Assert.Equal(3, Assert.Single(sink.Predictions).Offset);
        Assert.Equal(0, runtime.Counters.SkippedLate);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 0, 0, 0, TimeSpan.Zero), runtime.QueryKey("S1")!.LastEventTime);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(40_000)]
    public void MaxFutureSkew_is_validated(int days)
    {
        var definition = TestPipelines.Stocks();
        definition.Input.MaxFutureSkew = TimeSpan.FromDays(days);
        string error = Assert.Single(definition.Validate());
        Assert.Contains("Input:MaxFutureSkew", error, StringComparison.Ordinal);
        Assert.Contains("must be positive and at most 36525 days", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shape_with_more_parameters_than_the_bound_is_refused_by_validation()
    {
        var definition = TestPipelines.Stocks(CellKind.Lstm, hidden: 4096);
        definition.Model.Layers = 8;
        string error = Assert.Single(definition.Validate());
        Assert.Contains("Model:HiddenSize", error, StringComparison.Ordinal);
        Assert.Contains("more than 50 million parameters", error, StringComparison.Ordinal);
        Assert.Empty(TestPipelines.Stocks(CellKind.Lstm, hidden: 1024).Validate());
    }

    [Fact]
    public void A_pipeline_file_with_a_byte_order_mark_is_read()
    {
        byte[] json = Encoding.UTF8.GetBytes(TestPipelines.Sensors().ToJson());
        var definition = PipelineDefinition.Parse([0xEF, 0xBB, 0xBF, .. json]);
        Assert.Equal("sensors", definition.Name);
        Assert.Empty(definition.Validate());
    }

    [Fact]
    public void KeyCountOf_counts_the_keys_of_one_partition()
    {
        var runtime = TestPipelines.Runtime(TestPipelines.Stocks());
        runtime.Process(TestPipelines.StockRecords(60, keys: 6, partitions: 3), new RecordingSink());
        Assert.Equal(6, runtime.KeyCount);
        Assert.Equal([2, 2, 2], Enumerable.Range(0, 3).Select(runtime.KeyCountOf));
    }
}
