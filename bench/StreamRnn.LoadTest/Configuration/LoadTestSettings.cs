using System.Globalization;

namespace StreamRnn.LoadTest.Configuration;

/// <summary>The command line of the load harness; every number has a default, <c>--quick</c> shrinks them all.</summary>
public sealed class LoadTestSettings
{
    /// <summary>Records pre-produced for each throughput run (the backlog a contender drains).</summary>
    public int Records { get; private set; } = 300_000;

    /// <summary>Distinct record keys (sensors); records are spread over them at random.</summary>
    public int Keys { get; private set; } = 1_000;

    /// <summary>Partitions of the input and changelog topics.</summary>
    public int Partitions { get; private set; } = 16;

    /// <summary>
    /// Partitions of the output topic. Twice the input's by default: a prediction is ~3× the size of its input and
    /// the mock broker keeps at most 5 MiB per partition, so the whole output of a run must fit to be counted.
    /// </summary>
    public int OutputPartitions { get; private set; } = 32;

    /// <summary>Throughput rounds; round r runs passthrough then daemon when r is even, the other way round when odd.</summary>
    public int Rounds { get; private set; } = 3;

    /// <summary>Records of the unmeasured warm-up run each contender gets first (JIT tiering, dynamic PGO, pools).</summary>
    public int WarmupRecords { get; private set; } = 60_000;

    /// <summary>Offered load of the latency runs, records per second, paced on an absolute schedule.</summary>
    public int LatencyRate { get; private set; } = 20_000;

    /// <summary>How long each latency run offers load after the settling second.</summary>
    public double LatencySeconds { get; private set; } = 6;

    /// <summary>The first second of a latency run is offered but not counted: first fetches and metadata look-ups.</summary>
    public const double LatencySettleSeconds = 1;

    /// <summary>Records per engine-alone measurement (after its own warm-up).</summary>
    public int EngineRecords { get; private set; } = 600_000;

    /// <summary>Passes of the loop-thread budget; the first warms up, the fastest of the others is reported.</summary>
    public int BudgetPasses { get; private set; } = 4;

    /// <summary>Seed of the generated records.</summary>
    public int Seed { get; private set; } = 20_240_611;

    public bool Quick { get; private set; }

    public bool SkipEndToEnd { get; private set; }

    public bool SkipEngine { get; private set; }

    /// <summary>Skip the loop-thread budget (part of the end-to-end section).</summary>
    public bool SkipProfile { get; private set; }

    public static string Usage =>
        """
        dotnet run -c Release --project bench/StreamRnn.LoadTest -- [options]
          --quick                 small everything (well under a minute)
          --records N             records per throughput run (default 300000)
          --keys N                distinct keys (default 1000)
          --partitions N          input/changelog partitions (default 16)
          --output-partitions N   output partitions (default 2 × partitions)
          --rounds N              throughput/latency rounds, order alternates P D, D P, … (default 3)
          --warmup N              warm-up records per contender (default 60000)
          --rate N                offered records/s in the latency runs (default 20000)
          --latency-seconds S     measured length of each latency run, after 1 s settling (default 6)
          --engine-records N      records per engine-alone measurement (default 600000)
          --seed N                workload seed
          --no-e2e | --no-engine | --no-profile   skip a part (the loop-thread budget belongs to --no-e2e too)
        """;

    public static LoadTestSettings Parse(IReadOnlyList<string> args)
    {
        var settings = new LoadTestSettings();
        bool outputPartitionsSet = false;
        if (args.Contains("--quick"))
        {
            settings.Quick = true;
            settings.Records = 60_000;
            settings.Rounds = 1;
            settings.WarmupRecords = 20_000;
            settings.LatencyRate = 10_000;
            settings.LatencySeconds = 2;
            settings.EngineRecords = 150_000;
            settings.BudgetPasses = 2;
        }

        for (int i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    break;
                case "--records":
                    settings.Records = Positive(args, ref i);
                    break;
                case "--keys":
                    settings.Keys = Positive(args, ref i);
                    break;
                case "--partitions":
                    settings.Partitions = Positive(args, ref i);
                    break;
                case "--output-partitions":
                    settings.OutputPartitions = Positive(args, ref i);
                    outputPartitionsSet = true;
                    break;
                case "--rounds":
                    settings.Rounds = Positive(args, ref i);
                    break;
                case "--warmup":
                    settings.WarmupRecords = Positive(args, ref i);
                    break;
                case "--rate":
                    settings.LatencyRate = Positive(args, ref i);
                    break;
                case "--latency-seconds":
                    settings.LatencySeconds = double.Parse(Value(args, ref i), CultureInfo.InvariantCulture);
                    break;
                case "--engine-records":
                    settings.EngineRecords = Positive(args, ref i);
                    break;
                case "--seed":
                    settings.Seed = int.Parse(Value(args, ref i), CultureInfo.InvariantCulture);
                    break;
                case "--no-e2e":
                    settings.SkipEndToEnd = true;
                    break;
                case "--no-engine":
                    settings.SkipEngine = true;
                    break;
                case "--no-profile":
                    settings.SkipProfile = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'.\n{Usage}");
            }
        }

        if (!outputPartitionsSet)
        {
            settings.OutputPartitions = 2 * settings.Partitions;
        }

        return settings;
    }

    /// <summary>Records offered by one latency run, the settling second included.</summary>
    public int LatencyRecords => (int)Math.Round(LatencyRate * (LatencySettleSeconds + LatencySeconds));

    private static string Value(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count)
        {
            throw new ArgumentException($"Option '{args[i]}' needs a value.\n{Usage}");
        }

        return args[++i];
    }

    private static int Positive(IReadOnlyList<string> args, ref int i)
    {
        string name = args[i];
        int value = int.Parse(Value(args, ref i), CultureInfo.InvariantCulture);
        return value > 0 ? value : throw new ArgumentException($"Option '{name}' must be positive, not {value}.");
    }
}
