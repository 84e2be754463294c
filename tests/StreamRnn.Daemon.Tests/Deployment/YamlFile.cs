using System.Text.Json.Nodes;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// Reads YAML as a JSON tree through python3's PyYAML (installed with docker-compose, which is written with it),
/// so the tests see the files exactly as a YAML 1.1 loader does: anchors and merge keys resolved, unquoted
/// "no" a boolean, and so on.
/// </summary>
internal static class YamlFile
{
    private const string Converter =
        "import json, sys, yaml\n" +
        "json.dump(yaml.safe_load(open(sys.argv[1], encoding='utf-8')), sys.stdout)\n";

    public static JsonNode Load(string path)
    {
        var result = ExternalTool.Run("python3", ["-c", Converter, path]);
        if (result.ExitCode != 0)
        {
            throw new InvalidDataException($"{path} is not valid YAML (or python3-yaml is missing):\n{result.Transcript}");
        }

        return JsonNode.Parse(result.StandardOutput)
            ?? throw new InvalidDataException($"{path} is an empty YAML document");
    }
}
