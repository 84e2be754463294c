using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using StreamRnn.Daemon.Csv;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Kafka.Embedded;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>One embedded broker for the replay tests; each test uses its own topics.</summary>
public sealed class ReplayBrokerFixture : IDisposable
{
    public EmbeddedKafkaCluster Cluster { get; } = EmbeddedKafkaCluster.Start();

    public void Dispose() => Cluster.Dispose();
}

/// <summary><c>streamrnn replay</c> as a process, checked with kcat: exactly the CSV's rows, in order, keyed.</summary>
[Trait("Category", "ExternalTool")]
public sealed partial class ReplayCommandTests(ReplayBrokerFixture fixture) : IClassFixture<ReplayBrokerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private string Bootstrap => fixture.Cluster.BootstrapServers;

    [Fact]
    public async Task Produces_exactly_the_rows_as_json_in_file_order()
    {
        using var scratch = new ScratchDirectory();
        string csv = scratch.Write("tricky.csv",
            "id,price,volume,note,when\r\n" +
            "a,14.75,8407500,plain,2013-02-08\r\n" +
            "b,,0,\"comma, and \"\"quotes\"\"\",2013-02-11\r\n" +
            "a,-1.5e-3,007,ünïcode,NaN\r\n" +
            "c,1e400,12,\"two\nlines\",\r\n");
        fixture.Cluster.CreateTopic("replay.exact", 1);

        await using var replay = DaemonProcess.Start(["replay", "--csv", csv, "--topic", "replay.exact", "--bootstrap", Bootstrap, "--key-column", "id"]);
        int code = await replay.WaitForExitAsync(Timeout);

        Assert.True(code == 0, replay.Transcript);
        Assert.Matches(@"^produced 4 records to replay\.exact in \d+\.\d\d s \(\d+ records/s\); 0 failed$", Assert.Single(replay.Output));
        var records = await Kcat.ConsumeAllAsync(Bootstrap, "replay.exact");
        Assert.Equal(
            [
                "a\t{\"id\":\"a\",\"price\":14.75,\"volume\":8407500,\"note\":\"plain\",\"when\":\"2013-02-08\"}",
                "b\t{\"id\":\"b\",\"price\":null,\"volume\":0,\"note\":\"comma, and \\\"quotes\\\"\",\"when\":\"2013-02-11\"}",
                "a\t{\"id\":\"a\",\"price\":-1.5e-3,\"volume\":\"007\",\"note\":\"ünïcode\",\"when\":\"NaN\"}",
                "c\t{\"id\":\"c\",\"price\":\"1e400\",\"volume\":12,\"note\":\"two\\nlines\",\"when\":null}",
            ],
            records);
    }

    [Fact]
    public async Task Replays_real_stock_rows_keyed_per_symbol_across_partitions()
    {
        using var scratch = new ScratchDirectory();
        var source = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "DemoData", "stocks_sp500_daily_5sym.csv"));
        var lines = source.Take(1).Concat(source.Skip(1).Where((_, i) => i % 1259 < 40)).ToList();
        string csv = scratch.Write("stocks.csv", string.Join('\n', lines) + "\n");
        fixture.Cluster.CreateTopic("replay.stocks", 4);

        await using var replay = DaemonProcess.Start(["replay", "--csv", csv, "--topic", "replay.stocks", "--bootstrap", Bootstrap, "--key-column", "symbol"]);
        Assert.True(await replay.WaitForExitAsync(Timeout) == 0, replay.Transcript);

        var expected = new List<string>();
        using (var reader = CsvReader.Open(csv))
        {
            var encoder = new CsvRowEncoder(reader.Header);
            var fields = new List<string>();
            while (reader.TryReadRow(fields))
            {
                expected.Add(fields[0] + "\t" + Encoding.UTF8.GetString(encoder.Encode(fields).Span));
            }
        }

        Assert.Equal(200, expected.Count);
        var records = await Kcat.ConsumeAllAsync(Bootstrap, "replay.stocks");

        // Partitions interleave arbitrarily; within a key (one partition) the file order must hold.
        Assert.Equal(expected.Order(StringComparer.Ordinal), records.Order(StringComparer.Ordinal));
        foreach (string? symbol in new[] { "AAPL", "AMZN", "BA", "BAC", "CAT" })
        {
            Assert.Equal(expected.Where(r => r.StartsWith(symbol + "\t", StringComparison.Ordinal)),
                records.Where(r => r.StartsWith(symbol + "\t", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task Limit_and_rate_are_honoured()
    {
        using var scratch = new ScratchDirectory();
        string csv = scratch.Write("n.csv", "n\n" + string.Join('\n', Enumerable.Range(1, 50)) + "\n");
        fixture.Cluster.CreateTopic("replay.paced", 1);

        await using var replay = DaemonProcess.Start(["replay", "--csv", csv, "--topic", "replay.paced", "--bootstrap", Bootstrap, "--rate", "20", "--limit", "5"]);
        Assert.True(await replay.WaitForExitAsync(Timeout) == 0, replay.Transcript);

        var summary = Summary().Match(Assert.Single(replay.Output));
        Assert.True(summary.Success, replay.Output[0]);
        Assert.Equal("5", summary.Groups[1].Value);

        // Row i is due at i / rate: the fifth at 0.2 s.
        Assert.True(double.Parse(summary.Groups[2].Value, CultureInfo.InvariantCulture) >= 0.19, replay.Output[0]);
        Assert.Equal(["\t{\"n\":1}", "\t{\"n\":2}", "\t{\"n\":3}", "\t{\"n\":4}", "\t{\"n\":5}"], await Kcat.ConsumeAllAsync(Bootstrap, "replay.paced"));
    }

    [Fact]
    public async Task Unknown_key_column_is_a_usage_error()
    {
        using var scratch = new ScratchDirectory();
        string csv = scratch.Write("k.csv", "a,b\n1,2\n");

        await using var replay = DaemonProcess.Start(["replay", "--csv", csv, "--topic", "t", "--bootstrap", Bootstrap, "--key-column", "symbol"]);

        Assert.Equal(2, await replay.WaitForExitAsync(Timeout));
        Assert.Equal($"streamrnn: --key-column = 'symbol': not a column of {csv} (columns: a, b).", Assert.Single(replay.Errors));
    }

    [GeneratedRegex(@"^produced (\d+) records to \S+ in (\d+\.\d+) s")]
    private static partial Regex Summary();
}
