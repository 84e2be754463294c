namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>One instruction of a Dockerfile: its keyword (upper case), arguments (continuations joined) and stage.</summary>
internal sealed record DockerfileInstruction(string Keyword, string Arguments, int Stage);
