namespace StreamRnn.Daemon.CommandLine;

/// <summary>Every verb of <c>streamrnn</c> with its options: the single source of the parser and the help.</summary>
internal static class CommandCatalog
{
    public static readonly CommandSpec Run = new(
        CommandVerb.Run,
        "run",
        "Run the forecasting daemon (the default command).",
        [
            new OptionSpec("content-root", "DIR", "Folder holding appsettings.json and config/ (default: the current directory if it has appsettings.json, else the executable's folder)."),
            new OptionSpec("environment", "NAME", "Also read appsettings.NAME.json (default: $STREAMRNN_ENVIRONMENT, $DOTNET_ENVIRONMENT, else Production)."),
        ],
        AcceptsConfigurationOverrides: true,
        """
        Any configuration key can be set as --Section:Key=value (e.g. --Kafka:BootstrapServers=host:9092,
        --Http:Url=http://0.0.0.0:9464). Layers, later wins: appsettings.json, appsettings.{Environment}.json,
        environment variables (Kafka__BootstrapServers or STREAMRNN_Kafka__BootstrapServers), the command line.
        With no Kafka:BootstrapServers an embedded broker is started and demo feeds replay bundled data.
        """);

    public static readonly CommandSpec Broker = new(
        CommandVerb.Broker,
        "broker",
        "Run a standalone embedded Kafka broker (librdkafka mock cluster) until Ctrl-C or SIGTERM.",
        [
            new OptionSpec("partitions", "N", "Partitions of each topic created with --topics (default 4)."),
            new OptionSpec("topics", "A,B", "Topics to create at start, comma-separated."),
            new OptionSpec("bootstrap-file", "PATH", "Also write the bootstrap servers to this file (one line)."),
        ],
        AcceptsConfigurationOverrides: false,
        """
        Prints the bootstrap servers (127.0.0.1:PORT, random ports) on standard output. The broker keeps
        everything in memory; it has no compaction and keeps at most 5 MiB per partition.
        """);

    public static readonly CommandSpec Replay = new(
        CommandVerb.Replay,
        "replay",
        "Produce the rows of a CSV file into a Kafka topic as JSON objects.",
        [
            new OptionSpec("csv", "FILE", "The CSV file; its first line names the columns (required)."),
            new OptionSpec("topic", "TOPIC", "The topic to produce to (required)."),
            new OptionSpec("bootstrap", "SERVERS", "Kafka bootstrap servers, host:port[,host:port] (required)."),
            new OptionSpec("key-column", "COLUMN", "Use this column as the record key (default: no key)."),
            new OptionSpec("rate", "N", "Records per second; 0 = as fast as possible (default 0)."),
            new OptionSpec("limit", "N", "Stop after N rows (default: all rows)."),
        ],
        AcceptsConfigurationOverrides: false,
        """
        Each row becomes one JSON object of its columns: cells that are numbers are written as JSON numbers,
        empty cells as null, everything else as strings. Exits 0 once every record is acknowledged.
        """);

    public static readonly CommandSpec Backtest = new(
        CommandVerb.Backtest,
        "backtest",
        "Replay a CSV through a pipeline's own code: prequential metrics against naive baselines, alerts, charts.",
        [
            new OptionSpec("pipeline", "FILE", "The pipeline file, e.g. config/pipelines/stocks.json (required)."),
            new OptionSpec("csv", "FILE", "The CSV to replay; its first line names the columns, which the pipeline's fields name (required)."),
            new OptionSpec("out", "DIR", "Where report.json, report.md and the PNG charts go; created if needed (required)."),
            new OptionSpec("time-column", "COLUMN", "The column holding the record timestamp, for pipelines with EventTime:Source = RecordTimestamp."),
            new OptionSpec("time-format", "FORMAT", "UnixSeconds, UnixMilliseconds or Iso8601 (default: numbers are Unix seconds, text is ISO-8601)."),
            new OptionSpec("key-column", "COLUMN", "The column holding the record key, for pipelines with Key:Source = RecordKey (default: the file's name)."),
            new OptionSpec("model", "FILE", "Start from these weights (model-<version>.srnn from a state directory; default: the pipeline's seed)."),
            new OptionSpec("batch", "N", "Rows per micro-batch handed to the runtime (default 256)."),
            new OptionSpec("limit", "N", "Read only the first N rows of the file (default: all)."),
            new OptionSpec("event-column", "COLUMN", "For alert quality: the column whose change to --event-value is the event (e.g. in_bed)."),
            new OptionSpec("event-value", "VALUE", "The value of --event-column that marks the event (e.g. 0: out of bed)."),
            new OptionSpec("key-replay", "MODE", "together (default: keys side by side in event time) or sequential (each key's times shifted to follow the previous key, for recordings that all start at 0)."),
            new OptionSpec("detection-grace", "SECONDS", "Also score alerts as detections: an alert up to this long after the event counts (default: anticipation only)."),
            new OptionSpec("chart-keys", "N", "Keys drawn in the per-key charts, the ones with most scored forecasts (default 3, 0 = none)."),
            new OptionSpec("keys", "LIST", "Replay only these keys: keys or FIRST..LAST ranges (in order of first appearance), comma-separated, e.g. d1p01M..d1p30M."),
            new OptionSpec("passes", "N", "Replay the file N times, each pass from the previous one's final champion; only the last is scored (default 1; needs Training:Enabled)."),
            new OptionSpec("save-model", "FILE", "Write the final champion there, in the model store's format (a model-<version>.srnn file, usable with --model)."),
            new OptionSpec("ar-order", "P", "Order p of the \"ar\" baseline, an online AR(p) fitted by recursive least squares on the data seen so far (default 3)."),
            new OptionSpec("ar-forgetting", "LAMBDA", "Forgetting factor of the \"ar\" baseline, in (0, 1]; 0.999 remembers about 1,000 steps (default 0.999)."),
            new OptionSpec("season", "STEPS", "A season of this many steps (e.g. 24 for hourly data) adds the \"seasonal_naive\" baseline: the value one season earlier."),
        ],
        AcceptsConfigurationOverrides: false,
        """
        Rows are replayed in event-time order (ties keep file order) in micro-batches through the same PipelineRuntime
        as the daemon, with the pipeline's alert rules and, when Training:Enabled, online training run in lock-step.
        Each forecast is scored when its target arrives, against baselines on the same forecasts (persistence, mean,
        ar, seasonal_naive with --season; base_rate, persistence and a threshold rule for Binary heads). Progress goes
        to standard error, a summary to standard output. A missing file or column is exit code 2, an invalid pipeline 3.
        """);

    public static readonly CommandSpec Train = new(
        CommandVerb.Train,
        "train",
        "Train a pipeline's model on a CSV history before going live: epochs of TBPTT, validation by time, early stopping.",
        [
            new OptionSpec("pipeline", "FILE", "The pipeline file, e.g. config/pipelines/machine-temperature.json (required)."),
            new OptionSpec("csv", "FILE", "The history; its first line names the columns, which the pipeline's fields name (required)."),
            new OptionSpec("out", "FILE", "Where the trained model goes (model store format; use it with Model:File or backtest --model) (required)."),
            new OptionSpec("report", "DIR", "Also write report.json and report.md there: losses per epoch beside simple forecasters."),
            new OptionSpec("epochs", "N", "The most epochs (default 20)."),
            new OptionSpec("patience", "N", "Stop after N epochs without a better validation loss (default 3)."),
            new OptionSpec("seed", "N", "Seed of the window shuffle (default 1)."),
            new OptionSpec("learning-rate", "RATE", "Peak of the cosine learning-rate schedule (default: the pipeline's Training:LearningRate)."),
            new OptionSpec("model", "FILE", "Start from these weights (default: the pipeline's seed)."),
            new OptionSpec("time-column", "COLUMN", "The column holding the record timestamp, for pipelines with EventTime:Source = RecordTimestamp."),
            new OptionSpec("time-format", "FORMAT", "UnixSeconds, UnixMilliseconds or Iso8601 (default: numbers are Unix seconds, text is ISO-8601)."),
            new OptionSpec("key-column", "COLUMN", "The column holding the record key, for pipelines with Key:Source = RecordKey (default: the file's name)."),
            new OptionSpec("limit", "N", "Read only the first N rows of the file (default: all)."),
        ],
        AcceptsConfigurationOverrides: false,
        """
        Rows are replayed in event-time order through the same PipelineRuntime as the daemon, which assembles the
        training windows; the last 20 % of rows by time validate. Each epoch trains on the other windows, shuffled
        across keys and time, in mini-batches of Training:BatchWindows with a cosine learning rate, then replays the
        history with the new weights and scores both sets. The best epoch by validation loss is written. A line per
        epoch goes to standard error. A missing file or column, or no windows, is exit code 2; an invalid pipeline 3.
        """);

    public static readonly IReadOnlyList<CommandSpec> All = [Run, Broker, Replay, Backtest, Train];

    /// <summary>The spec of a verb name (case-insensitive), or null.</summary>
    public static CommandSpec? Find(string name)
    {
        foreach (var spec in All)
        {
            if (string.Equals(spec.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return spec;
            }
        }

        return null;
    }
}
