namespace StreamRnn.Daemon.Http;

/// <summary>The body of an HTTP error answer.</summary>
internal sealed record ErrorResponse(string Error);
