namespace StreamRnn.Daemon.Http;

/// <summary>
/// Endpoint filter of the endpoints that reveal patient-level data or change what is predicted (key queries, model
/// restore): 403 when the daemon has no <c>Http:ApiKey</c> (the endpoint is off), 401 without the right key.
/// </summary>
internal sealed class ApiKeyRequired(ApiKeyAuthenticator authenticator) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!authenticator.IsConfigured)
        {
            return ValueTask.FromResult<object?>(Results.Json(
                new ErrorResponse("this endpoint is disabled: it needs an API key and none is configured; set Http:ApiKey " +
                    "(environment: STREAMRNN_Http__ApiKey) to a random key of at least 16 characters and send it as " +
                    "'Authorization: Bearer <key>' or 'X-Api-Key: <key>'"),
                statusCode: StatusCodes.Status403Forbidden));
        }

        if (!authenticator.IsAuthenticated(context.HttpContext))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return ValueTask.FromResult<object?>(Results.Json(
                new ErrorResponse("missing or wrong API key: send 'Authorization: Bearer <key>' or 'X-Api-Key: <key>' (Http:ApiKey)"),
                statusCode: StatusCodes.Status401Unauthorized));
        }

        return next(context);
    }
}
