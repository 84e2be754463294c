using Microsoft.Extensions.Time.Testing;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Decoding;
using StreamRnn.Engine.Features;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using Xunit.Abstractions;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// A seeded fuzzer: one million hostile records (mutated valid JSON, random bytes, lone surrogates, huge numbers,
/// deep nesting, long and escaped keys, far-future and ancient dates) through the decoder and the runtime. No
/// exception may escape, and every record must be accounted for: applied, dead-lettered or skipped, each exactly once.
/// </summary>
[Trait("Category", "Unit")]
public sealed class PoisonFuzzTests(ITestOutputHelper output)
{
    private const int Records = 1_000_000;
    private const int BatchSize = 500;

    [Fact]
    public void A_million_hostile_records_never_throw_and_are_all_accounted_for()
    {
        var definition = TestPipelines.Stocks(hidden: 4);
        definition.State.MaxKeys = 5_000;
        var runtime = TestPipelines.Runtime(definition, new FakeTimeProvider(TestPipelines.Start.AddYears(2)));
        var sink = new AccountingSink();
        var generator = new HostileRecords(seed: 20261204);
        var batch = new InputRecord[BatchSize];
        long started = Stopwatch.GetTimestamp();
        for (long offset = 0; offset < Records;)
        {
            int count = (int)Math.Min(BatchSize, Records - offset);
            for (int i = 0; i < count; i++, offset++)
            {
                batch[i] = new InputRecord(0, offset, 1_700_000_000_000, generator.NextKey(), generator.NextValue());
            }

            runtime.Process(batch.AsSpan(0, count), sink);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var counters = runtime.Counters;
        output.WriteLine($"{Records} records in {elapsed.TotalSeconds:F1} s: applied {counters.RecordsApplied}, predictions {counters.PredictionsProduced}, " +
            $"dead letters {counters.DeadLetters} ({string.Join(", ", sink.ByReason.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}"))}), " +
            $"late {counters.SkippedLate}, duplicates {counters.SkippedDuplicates}");

        Assert.Equal(Records, counters.RecordsConsumed);
        Assert.Equal(Records, counters.RecordsApplied + counters.DeadLetters + counters.SkippedDuplicates + counters.SkippedLate);
        Assert.Equal(counters.DeadLetters, sink.DeadLetters);
        Assert.Equal(counters.PredictionsProduced, sink.Predictions);
        Assert.Equal(0, sink.TwiceAnswered);
        Assert.True(counters.PredictionsProduced <= counters.RecordsApplied);
        Assert.Equal(0, sink.ByReason.GetValueOrDefault(DeadLetterReason.InternalError));

        // Each kind of poison actually occurred, and so did good records.
        foreach (var reason in new[] { DeadLetterReason.MalformedJson, DeadLetterReason.DecodeError, DeadLetterReason.NonFiniteValue,
            DeadLetterReason.MissingKey, DeadLetterReason.BadTimestamp, DeadLetterReason.FutureTimestamp, DeadLetterReason.WrongType })
        {
            Assert.True(sink.ByReason.GetValueOrDefault(reason) > 100, $"too few {reason} dead letters");
        }

        Assert.True(counters.PredictionsProduced > Records / 10, "too few good records");
    }

    [Fact]
    public void The_decoder_alone_never_throws_on_a_million_hostile_records()
    {
        var definition = TestPipelines.Stocks();
        var decoder = new RecordDecoder(definition, new FeatureLayout(definition));
        var generator = new HostileRecords(seed: 7);
        int decoded = 0, refused = 0;
        for (long offset = 0; offset < Records; offset++)
        {
            var record = new InputRecord(0, offset, 1_700_000_000_000, generator.NextKey(), generator.NextValue());
            if (decoder.TryDecode(record, out var reason, out string detail))
            {
                decoded++;
                Assert.InRange(decoder.KeyByteCount, 1, RecordDecoder.MaxKeyBytes);
            }
            else
            {
                refused++;
                Assert.True(Enum.IsDefined(reason));
                Assert.False(string.IsNullOrEmpty(detail));
            }
        }

        output.WriteLine($"decoded {decoded}, refused {refused}");
        Assert.Equal(Records, decoded + refused);
        Assert.True(decoded > Records / 10);
    }

    /// <summary>Deterministic hostile inputs for the stock pipeline (symbol, date, open, close, volume).</summary>
    private sealed class HostileRecords(int seed)
    {
        private const string Specials = "{}[]\",:\\0e-.u";
        private static readonly string[] Surrogates = ["\\ud800", "\\udc00", "\\ud83d", "\\udfff", "\\ud800\\ud800", "\\udc00\\ud800"];
        private static readonly string[] Numbers =
        [
            "1e200", "-1e200", "1.7976931348623157e308", "-1e308", "1e400", "4.9e-324", "1e-320", "0", "-0", "1e38", "3.5e38",
            "\"1e200\"", "\"NaN\"", "\"Infinity\"", "true", "null", "\"\"", "{}", "[1]", "12345678901234567890123456789",
        ];

        private static readonly string[] Dates =
        [
            "2024-01-02", "9999-12-31", "0001-01-01", "2025-12-31T23:59:59Z", "1970-01-01", "2024-13-45", "\"\"", "yesterday",
            "2024-02-30", "+275760-09-13",
        ];

        private readonly Random _random = new(seed);
        private readonly double[] _price = Enumerable.Repeat(100.0, 300).ToArray();
        private readonly int[] _day = new int[300];

        public ReadOnlyMemory<byte> NextKey() => _random.Next(20) switch
        {
            0 => ReadOnlyMemory<byte>.Empty,
            1 => RandomBytes(_random.Next(1, 40)),
            _ => Encoding.UTF8.GetBytes($"k{_random.Next(300)}"),
        };

        public ReadOnlyMemory<byte> NextValue()
        {
            int kind = _random.Next(100);
            return kind switch
            {
                < 40 => Encoding.UTF8.GetBytes(Valid()),
                < 55 => Mutate(Encoding.UTF8.GetBytes(Valid())),
                < 60 => RandomBytes(_random.Next(0, 300)),
                < 68 => Encoding.UTF8.GetBytes(WithSurrogate()),
                < 80 => Encoding.UTF8.GetBytes(WithNumber()),
                < 85 => Encoding.UTF8.GetBytes(Nested(_random.Next(1, 200))),
                < 90 => Encoding.UTF8.GetBytes(WithDate()),
                < 95 => Encoding.UTF8.GetBytes(WithKey()),
                _ => Encoding.UTF8.GetBytes(Repeated()),
            };
        }

        private string Valid(int? symbol = null)
        {
            int k = symbol ?? _random.Next(_price.Length);
            double open = _price[k];
            _price[k] *= Math.Exp(0.02 * (_random.NextDouble() - 0.5));
            string date = TestPipelines.Start.AddDays(_day[k]++ % 600).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            return string.Create(CultureInfo.InvariantCulture,
                $"{{\"symbol\":\"S{k}\",\"date\":\"{date}\",\"open\":{open:R},\"close\":{_price[k]:R},\"volume\":{1000 + _random.Next(5000)}}}");
        }

        private string Field(string name, string value)
        {
            string json = Valid();
            int at = json.IndexOf($"\"{name}\":", StringComparison.Ordinal) + name.Length + 3;
            int end = json.IndexOfAny([',', '}'], at);
            return json[..at] + value + json[end..];
        }

        private string WithSurrogate() => _random.Next(4) switch
        {
            0 => Field("symbol", $"\"S{Pick(Surrogates)}\""),
            1 => Field("volume", $"\"{Pick(Surrogates)}1\""),
            2 => Field("date", $"\"2024{Pick(Surrogates)}\""),
            _ => Valid().Replace("\"open\"", $"\"op{Pick(Surrogates)}en\"", StringComparison.Ordinal),
        };

        private string WithNumber() => Field(Pick(["open", "close", "volume"]), Pick(Numbers));

        private string WithDate() => Field("date", Pick(Dates) is var date && date.StartsWith('"') ? date : $"\"{date}\"");

        private string WithKey() => _random.Next(3) switch
        {
            0 => Field("symbol", $"\"{new string('x', 1000 + _random.Next(50))}\""),
            1 => Field("symbol", $"\"{string.Concat(Enumerable.Repeat("\\u00e9", 500 + _random.Next(30)))}\""),
            _ => Field("symbol", Pick(["1", "true", "null", "{}", "[]", "\"\"", "1e400"])),
        };

        private string Repeated()
        {
            string json = Valid();
            return json.Insert(1, $"\"close\":{Pick(Numbers)},\"symbol\":{Pick(["\"bad\"", "1", "null"])},");
        }

        private string Nested(int depth) =>
            Valid().Insert(1, $"\"deep\":{new string('[', depth)}1{new string(']', depth)},");

        private byte[] Mutate(byte[] json)
        {
            int edits = _random.Next(1, 4);
            var bytes = new List<byte>(json);
            for (int e = 0; e < edits && bytes.Count > 0; e++)
            {
                int at = _random.Next(bytes.Count);
                switch (_random.Next(3))
                {
                    case 0:
                        bytes[at] = (byte)_random.Next(256);
                        break;
                    case 1:
                        bytes.RemoveAt(at);
                        break;
                    default:
                        bytes.Insert(at, (byte)Specials[_random.Next(Specials.Length)]);
                        break;
                }
            }

            return [.. bytes];
        }

        private byte[] RandomBytes(int length)
        {
            byte[] bytes = new byte[length];
            _random.NextBytes(bytes);
            return bytes;
        }

        private string Pick(string[] values) => values[_random.Next(values.Length)];
    }
}
