using System.Net;
using System.Text.Json;
using Akka.Actor;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MriCs.Management;

/// <summary>A request the endpoint answers with an error status and <c>{"error": message}</c>.</summary>
public sealed class ManagementException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    public static ManagementException NotFound(string message) => new(StatusCodes.Status404NotFound, message);
    public static ManagementException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
    /// <summary>This node cannot answer (e.g. it has no journal or only a shard-region proxy); the message names who can.</summary>
    public static ManagementException Conflict(string message) => new(StatusCodes.Status409Conflict, message);
    public static ManagementException Unavailable(string message) => new(StatusCodes.Status503ServiceUnavailable, message);
}

/// <summary>Error bodies: every failure is JSON <c>{"error": "..."}</c> with a status that says what went wrong.</summary>
public static class ManagementErrors
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static IResult Error(int status, string message) => Results.Json(new ErrorBody(message), Json, statusCode: status);

    public static Task WriteAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new ErrorBody(message), Json));
    }

    /// <summary>Maps exceptions to JSON errors and bodiless error statuses (unknown route, wrong method) to JSON.</summary>
    public static async Task Middleware(HttpContext context, RequestDelegate next, ILogger log)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            var (status, message) = ex switch
            {
                ManagementException m => (m.Status, m.Message),
                BadHttpRequestException b => (b.StatusCode, b.Message),
                AskTimeoutException => (StatusCodes.Status504GatewayTimeout, "the cluster did not answer in time: " + ex.Message),
                TimeoutException => (StatusCodes.Status504GatewayTimeout, ex.Message),
                OperationCanceledException when context.RequestAborted.IsCancellationRequested => (499, "request aborted"),
                _ => (StatusCodes.Status500InternalServerError, $"{ex.GetType().Name}: {ex.Message}"),
            };
            if (status >= 500) ManagementLog.RequestFailed(log, context.Request.Method, RouteForLogs(context), status, ex);
            await WriteAsync(context, status, message).ConfigureAwait(false);
            return;
        }
        if (context.Response is { HasStarted: false, StatusCode: >= 400 } r && r.ContentLength is null && r.ContentType is null)
        {
            var message = r.StatusCode switch
            {
                StatusCodes.Status404NotFound => $"no route {context.Request.Method} {context.Request.Path}",
                StatusCodes.Status405MethodNotAllowed => $"{context.Request.Method} is not allowed on {context.Request.Path}",
                _ => ((HttpStatusCode)r.StatusCode).ToString(),
            };
            await WriteAsync(context, r.StatusCode, message).ConfigureAwait(false);
        }
    }

    /// <summary>The matched route template ("/api/studies/{study}"), never the path itself: paths carry study UIDs and patient keys.</summary>
    public static string RouteForLogs(HttpContext context) =>
        context.GetEndpoint() is Microsoft.AspNetCore.Routing.RouteEndpoint e ? e.RoutePattern.RawText ?? "?" : "(no route)";

    private sealed record ErrorBody(string Error);
}
