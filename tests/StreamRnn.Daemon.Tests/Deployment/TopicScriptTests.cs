using StreamRnn.Engine.Configuration;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// docker/create-topics.sh run for real by bash, with kafka-topics.sh replaced by a recorder: it creates every
/// topic of every pipeline in config/pipelines (and no other), changelogs and model topics compacted, and every
/// topic of a pipeline with its input's partition count (changelog partition n holds input partition n's keys).
/// </summary>
[Trait("Category", "ExternalTool")]
public sealed class TopicScriptTests
{
    private const string Separator = "--end-of-call--";

    [Fact]
    public void CreatesEveryPipelineTopicWithConsistentPartitionsAndCompaction()
    {
        var pipelines = Directory.EnumerateFiles(RepositoryRoot.Combine("config/pipelines"), "*.json")
            .Order(StringComparer.Ordinal)
            .Select(PipelineDefinition.Load)
            .ToList();
        Assert.NotEmpty(pipelines);
        var created = RunScript();

        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pipeline in pipelines)
        {
            var topics = new[]
            {
                pipeline.InputTopic, pipeline.OutputTopic, pipeline.AlertTopic ?? "", pipeline.DeadLetterTopic,
                pipeline.ChangelogTopic, pipeline.ModelTopic,
            }.Where(t => t.Length > 0).ToList();
            expected.UnionWith(topics);
            Assert.True(created.ContainsKey(pipeline.InputTopic), $"{pipeline.Name}: input {pipeline.InputTopic} is not created");
            int partitions = created[pipeline.InputTopic].Partitions;
            foreach (string? topic in topics)
            {
                Assert.True(created.TryGetValue(topic, out var call), $"{pipeline.Name}: {topic} is not created");
                Assert.Equal(partitions, call.Partitions);
                Assert.Equal(1, call.ReplicationFactor);
            }

            Assert.Contains("cleanup.policy=compact", created[pipeline.ChangelogTopic].Configs);
            Assert.Contains("cleanup.policy=compact", created[pipeline.ModelTopic].Configs);
            Assert.DoesNotContain("cleanup.policy=compact", created[pipeline.InputTopic].Configs);
        }

        Assert.Equal(expected.Order(StringComparer.Ordinal), created.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void StopsAtTheFirstFailingCall()
    {
        // set -e: a broker that refuses a topic must fail the one-shot service, so the daemons (which wait for its
        // successful completion) do not start against a half-created set of topics.
        var result = Run(failOnCall: 3);

        Assert.NotEqual(0, result.Result.ExitCode);
        Assert.Equal(3, result.Calls.Count);
    }

    private static Dictionary<string, (int Partitions, int ReplicationFactor, List<string> Configs)> RunScript()
    {
        var (result, calls) = Run(failOnCall: 0);
        Assert.True(result.ExitCode == 0, result.Transcript);

        var created = new Dictionary<string, (int, int, List<string>)>(StringComparer.Ordinal);
        foreach (var call in calls)
        {
            Assert.Equal("--bootstrap-server", call[0]);
            Assert.Equal("kafka:9092", call[1]);
            if (call.Contains("--describe"))
            {
                continue;
            }

            Assert.Contains("--create", call);
            Assert.Contains("--if-not-exists", call);
            string topic = Value(call, "--topic");
            Assert.True(created.TryAdd(topic, (int.Parse(Value(call, "--partitions")), int.Parse(Value(call, "--replication-factor")),
                call.Select((a, i) => (a, i)).Where(p => p.a == "--config").Select(p => call[p.i + 1]).ToList())),
                $"{topic} is created twice");
        }

        return created;
    }

    private static (ToolResult Result, List<List<string>> Calls) Run(int failOnCall)
    {
        using var directory = new TemporaryDirectory();
        string log = Path.Combine(directory.Path, "calls.log");
        string recorder = Path.Combine(directory.Path, "kafka-topics.sh");
        // Records each call's arguments one per line; optionally fails the Nth call like a refusing broker would.
        File.WriteAllText(recorder,
            "#!/usr/bin/env bash\n" +
            $"printf '%s\\n' \"$@\" '{Separator}' >> '{log}'\n" +
            $"calls=$(grep -c -- '{Separator}' '{log}')\n" +
            $"[ {failOnCall} -ne 0 ] && [ \"$calls\" -eq {failOnCall} ] && exit 1\n" +
            "exit 0\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(recorder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var result = ExternalTool.Run("bash", [RepositoryRoot.Combine("docker/create-topics.sh")],
            environment: new Dictionary<string, string>
            {
                ["KAFKA_TOPICS"] = recorder,
                ["BOOTSTRAP_SERVERS"] = ComposeFile.Load().Environment("topics")["BOOTSTRAP_SERVERS"],
            });

        var calls = new List<List<string>>();
        var current = new List<string>();
        foreach (string line in File.Exists(log) ? File.ReadAllLines(log) : [])
        {
            if (line == Separator)
            {
                calls.Add(current);
                current = [];
            }
            else
            {
                current.Add(line);
            }
        }

        return (result, calls);
    }

    private static string Value(List<string> call, string option) => call[call.IndexOf(option) + 1];
}
