using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using StreamRnn.Daemon.Configuration;

namespace StreamRnn.Daemon.Http;

/// <summary>
/// The first check of every request, before any endpoint runs:
/// only GET, HEAD and POST are served (TRACE, TRACK and the rest: 405);
/// the Host header must be one of <c>Http:AllowedHosts</c> (403; against DNS rebinding), except on <c>/metrics</c>,
/// <c>/healthz</c> and <c>/readyz</c>, which scrapers and orchestrators reach under service names;
/// a POST must say <c>Content-Type: application/json</c> and, when the browser sends an Origin, come from the same
/// origin (403; an HTML form or a fetch without CORS pre-flight can send neither, so a page on another site cannot
/// drive the control plane through a browser on the operator's machine).
/// </summary>
internal sealed class RequestGuard(RequestDelegate next, IOptions<HttpOptions> options)
{
    private readonly HostAllowList _hosts = new(options.Value.AllowedHosts);

    /// <summary>Paths that answer any Host: read-only, no patient data.</summary>
    public static bool IsOpenPath(PathString path) =>
        path.Equals("/metrics", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/healthz", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/readyz", StringComparison.OrdinalIgnoreCase);

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsPost(request.Method)))
        {
            context.Response.Headers.Allow = "GET, HEAD, POST";
            return Refuse(context, StatusCodes.Status405MethodNotAllowed, "method not allowed: only GET, HEAD and POST are served");
        }

        if (!IsOpenPath(request.Path) && !_hosts.Allows(request.Host))
        {
            return Refuse(context, StatusCodes.Status403Forbidden,
                "this Host is not allowed: add the name clients use to reach the daemon to Http:AllowedHosts");
        }

        if (HttpMethods.IsPost(request.Method) && CrossSiteProblem(request) is { } problem)
        {
            return Refuse(context, StatusCodes.Status403Forbidden, problem);
        }

        return next(context);
    }

    private static string? CrossSiteProblem(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return "a POST must have 'Content-Type: application/json' (cross-site form posts are refused)";
        }

        if (string.Equals(request.Headers["Sec-Fetch-Site"], "cross-site", StringComparison.OrdinalIgnoreCase))
        {
            return "cross-site requests are refused";
        }

        string origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !SameOrigin(origin, request))
        {
            return "the request's Origin is not this daemon: cross-site requests are refused";
        }

        return null;
    }

    // Host and port only: behind a TLS-terminating proxy the page is https while the daemon sees http.
    private static bool SameOrigin(string origin, HttpRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && request.Host.HasValue
        && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);

    private static Task Refuse(HttpContext context, int status, string error)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ErrorResponse(error));
    }
}
