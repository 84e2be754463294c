using System.Text.Json.Nodes;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// docker/compose.yaml: validated by docker-compose 1.29 (no engine runs here) and checked for what a validator
/// cannot see: mounted paths exist, ports agree with the daemon's defaults, the replicas share a group but not state,
/// Kafka's listeners are reachable by the clients that use them.
/// </summary>
[Trait("Category", "ExternalTool")]
public sealed class ComposeFileTests
{
    [Fact]
    public void DockerComposeValidatesTheFileWithoutWarnings()
    {
        var result = ExternalTool.Run("docker-compose", ["-f", RepositoryRoot.Combine(ComposeFile.RelativePath), "config", "-q"]);

        Assert.True(result.ExitCode == 0, result.Transcript);
        Assert.Equal("", result.StandardError.Trim());
    }

    [Fact]
    public void DockerComposeRejectsAMisspeltKey()
    {
        // The control for the test above: the validator really reads the schema.
        using var directory = new TemporaryDirectory();
        string copy = Path.Combine(directory.Path, "compose.yaml");
        string text = File.ReadAllText(RepositoryRoot.Combine(ComposeFile.RelativePath));
        Assert.Contains("stop_grace_period:", text);
        File.WriteAllText(copy, text.Replace("stop_grace_period:", "stop_grace_periode:", StringComparison.Ordinal));

        var result = ExternalTool.Run("docker-compose", ["-f", copy, "config", "-q"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("stop_grace_periode", result.StandardError);
    }

    [Fact]
    public void EveryMountedPathAndBuildInputExistsInTheRepository()
    {
        var compose = ComposeFile.Load();
        var declaredVolumes = compose.Root["volumes"]!.AsObject().Select(v => v.Key).ToHashSet(StringComparer.Ordinal);
        string root = RepositoryRoot.Path + Path.DirectorySeparatorChar;
        foreach (var (service, _) in compose.Services)
        {
            foreach (var mount in compose.Volumes(service))
            {
                if (mount.IsBind)
                {
                    string host = ComposeFile.HostPath(mount);
                    Assert.True(host.StartsWith(root, StringComparison.Ordinal), $"{service} mounts {host}, outside the repository");
                    Assert.True(File.Exists(host) || Directory.Exists(host), $"{service} mounts {mount.Source}, which does not exist ({host})");
                    Assert.True(mount.ReadOnly, $"{service} mounts {mount.Source} writable: configuration is mounted read-only");
                }
                else
                {
                    Assert.True(declaredVolumes.Contains(mount.Source), $"{service} uses volume {mount.Source}, which is not declared");
                }
            }

            if (compose.Service(service)["build"] is JsonObject build)
            {
                string context = Path.GetFullPath(Path.Combine(ComposeFile.Directory, (string)build["context"]!));
                Assert.Equal(RepositoryRoot.Path, context);
                Assert.True(File.Exists(Path.Combine(context, (string)build["dockerfile"]!)));
            }
        }
    }

    [Fact]
    public void DaemonPortsMatchTheDaemonDefaults()
    {
        var compose = ComposeFile.Load();
        int defaultPort = DaemonDefaults.HttpPort;
        Assert.Equal(9464, defaultPort);
        string? appSettingsUrl = DaemonDefaults.AppSettingsHttpUrl();
        if (appSettingsUrl is not null)
        {
            Assert.Equal(defaultPort, new Uri(appSettingsUrl).Port);
        }

        var hostPorts = new HashSet<int>();
        foreach (string service in compose.DaemonServices())
        {
            var url = new Uri(compose.Environment(service)["STREAMRNN_Http__Url"]);
            // Loopback inside a container would be unreachable from Prometheus and the published port.
            Assert.Equal("0.0.0.0", url.Host);
            Assert.Equal(defaultPort, url.Port);
            var ports = compose.Ports(service);
            Assert.Equal(defaultPort, Assert.Single(ports).Container);
            Assert.True(hostPorts.Add(ports[0].Host), $"{service} publishes host port {ports[0].Host} twice");
        }

        Assert.Contains(defaultPort, hostPorts);
    }

    [Fact]
    public void EveryPublishedPortIsBoundToLoopbackOnly()
    {
        var compose = ComposeFile.Load();
        var published = compose.Services.SelectMany(service =>
            (service.Value!["ports"]?.AsArray() ?? []).Select(port => (Service: service.Key, Port: (string)port!))).ToList();
        Assert.NotEmpty(published);
        foreach (var (service, port) in published)
        {
            // "HOST_PORT:CONTAINER_PORT" alone publishes on every interface of the host.
            Assert.True(port.StartsWith("127.0.0.1:", StringComparison.Ordinal), $"{service} publishes '{port}' beyond loopback");
        }

        // Secrets come from the caller's environment, never from the file.
        var environment = compose.Environment("streamrnn-1");
        Assert.StartsWith("${", environment["STREAMRNN_Http__ApiKey"], StringComparison.Ordinal);
        Assert.StartsWith("${", environment["STREAMRNN_ModelTopic__SigningKey"], StringComparison.Ordinal);
    }

    [Fact]
    public void TwoReplicasShareOneGroupButNotTheirState()
    {
        var compose = ComposeFile.Load();
        var replicas = compose.DaemonServices().ToList();
        Assert.Equal(2, replicas.Count);

        var environments = replicas.Select(compose.Environment).ToList();
        Assert.Single(environments.Select(e => e["STREAMRNN_Kafka__GroupId"]).Distinct());
        Assert.Single(environments.Select(e => e["STREAMRNN_Kafka__BootstrapServers"]).Distinct());
        Assert.Equal("AtLeastOnce", environments[0]["STREAMRNN_Delivery__Mode"]);
        // The demo feed produces the input; two feeds would double every record. With a configured broker the
        // daemon's default is off, so only the one replica that asks for it runs a feed.
        Assert.Single(environments, e => e.GetValueOrDefault("STREAMRNN_Demo__Enabled") == "true");
        Assert.All(environments, e => Assert.Contains(e.GetValueOrDefault("STREAMRNN_Demo__Enabled"), new[] { null, "true", "false" }));

        var stateVolumes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (service, environment) in replicas.Zip(environments))
        {
            var state = compose.Volumes(service).Single(m => m.Target == environment["STREAMRNN_State__Directory"]);
            Assert.False(state.IsBind);
            Assert.False(state.ReadOnly);
            Assert.True(stateVolumes.Add(state.Source), $"{service} shares the state volume {state.Source}");

            var dependsOn = compose.Service(service)["depends_on"]!.AsObject();
            Assert.Equal("service_healthy", (string)dependsOn["kafka"]!["condition"]!);
            Assert.Equal("service_completed_successfully", (string)dependsOn["topics"]!["condition"]!);
            Assert.Equal(service, (string)compose.Service(service)["hostname"]!);
        }
    }

    [Fact]
    public void ReplicasMountThePipelinesWhereTheDaemonLooksForThem()
    {
        var compose = ComposeFile.Load();
        var dockerfile = Dockerfile.Load();
        string workingDirectory = dockerfile.All("WORKDIR", dockerfile.FinalStage).Last().Arguments;
        string pattern = PipelineFilesPattern();
        Assert.StartsWith("config/pipelines/", pattern);

        foreach (string service in compose.DaemonServices())
        {
            Assert.Equal(RepositoryRoot.Combine("config/pipelines"), compose.RepositoryFileFor(service, workingDirectory + "/config/pipelines"));
        }
    }

    [Fact]
    public void KafkaRunsInKRaftModeWithListenersForTheNetworkAndTheHost()
    {
        var compose = ComposeFile.Load();
        var kafka = compose.Environment("kafka");
        Assert.DoesNotContain(kafka.Keys, k => k.Contains("ZOOKEEPER", StringComparison.Ordinal));
        Assert.Equal(new[] { "broker", "controller" }, kafka["KAFKA_PROCESS_ROLES"].Split(',').Order(StringComparer.Ordinal));
        Assert.Equal(16, Convert.FromBase64String(kafka["CLUSTER_ID"].Replace('-', '+').Replace('_', '/') + "==").Length);
        Assert.Equal("false", kafka["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]);
        Assert.Equal("1", kafka["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]);
        Assert.Equal("1", kafka["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"]);

        var listeners = Listeners(kafka["KAFKA_LISTENERS"]);
        var advertised = Listeners(kafka["KAFKA_ADVERTISED_LISTENERS"]);
        var protocols = kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].Split(',').Select(p => p.Split(':')[0]).ToHashSet();
        Assert.All(listeners.Keys, name => Assert.Contains(name, protocols));
        foreach (var (name, address) in advertised)
        {
            Assert.True(listeners.TryGetValue(name, out var bound), $"advertised listener {name} is not bound");
            Assert.Equal(address.Port, bound.Port);
        }

        // The controller quorum is this node, reached on the controller listener.
        string voter = kafka["KAFKA_CONTROLLER_QUORUM_VOTERS"];
        Assert.Equal($"{kafka["KAFKA_NODE_ID"]}@kafka:{listeners[kafka["KAFKA_CONTROLLER_LISTENER_NAMES"]].Port}", voter);
        Assert.False(advertised.ContainsKey(kafka["KAFKA_CONTROLLER_LISTENER_NAMES"]));

        // Containers: the daemons and the topic job use the listener advertised under the service's own name.
        var inNetwork = advertised[kafka["KAFKA_INTER_BROKER_LISTENER_NAME"]];
        Assert.Equal("kafka", inNetwork.Host);
        string bootstrap = $"{inNetwork.Host}:{inNetwork.Port}";
        Assert.All(compose.DaemonServices(), s => Assert.Equal(bootstrap, compose.Environment(s)["STREAMRNN_Kafka__BootstrapServers"]));
        Assert.Equal(bootstrap, compose.Environment("topics")["BOOTSTRAP_SERVERS"]);

        // The host: a listener advertised as localhost on a port published one to one.
        var host = advertised.Values.Single(a => a.Host == "localhost");
        Assert.Contains((host.Port, host.Port), compose.Ports("kafka"));
    }

    [Fact]
    public void EveryLongRunningServiceHasAHealthcheckAndTheTopicJobRunsOnce()
    {
        var compose = ComposeFile.Load();
        foreach (var (service, definition) in compose.Services)
        {
            if (service == "topics")
            {
                Assert.Equal("no", (string)definition!["restart"]!);
                Assert.Equal("service_healthy", (string)definition["depends_on"]!["kafka"]!["condition"]!);
                Assert.Equal(RepositoryRoot.Combine("docker/create-topics.sh"),
                    compose.RepositoryFileFor(service, Dockerfile.ExecForm(definition["entrypoint"]!.ToJsonString())[^1]));
                continue;
            }

            var test = definition!["healthcheck"]?["test"]?.AsArray();
            Assert.True(test is { Count: > 1 }, $"{service} has no healthcheck");
            Assert.Contains((string)test[0]!, new[] { "CMD", "CMD-SHELL" });
        }
    }

    [Fact]
    public void PrometheusLoadsTheRepositoryConfig()
    {
        var compose = ComposeFile.Load();
        var command = compose.Service("prometheus")["command"]!.AsArray().Select(c => (string)c!).ToList();
        string configFile = command.Single(c => c.StartsWith("--config.file=", StringComparison.Ordinal))["--config.file=".Length..];

        Assert.Equal(RepositoryRoot.Combine(PrometheusFiles.Config), compose.RepositoryFileFor("prometheus", configFile));
        Assert.Contains((9090, 9090), compose.Ports("prometheus"));
    }

    private static Dictionary<string, (string Host, int Port)> Listeners(string value) =>
        value.Split(',').Select(listener =>
        {
            int scheme = listener.IndexOf("://", StringComparison.Ordinal);
            string address = listener[(scheme + 3)..];
            int colon = address.LastIndexOf(':');
            return (Name: listener[..scheme], Host: address[..colon], Port: int.Parse(address[(colon + 1)..]));
        }).ToDictionary(l => l.Name, l => (l.Host, l.Port), StringComparer.Ordinal);

    private static string PipelineFilesPattern()
    {
        var settings = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("appsettings.json")))!;
        return (string?)settings["PipelineFiles"] ?? StreamRnn.Daemon.Configuration.PipelineSourceOptions.DefaultPipelineFiles;
    }
}
