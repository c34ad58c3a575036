using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace MriCs.Cli.Management;

/// <summary>An error answer of a management endpoint (Status) or no answer at all (Status null).</summary>
public sealed class ManagementClientException(int? status, string message, string? body = null) : Exception(message)
{
    public int? Status { get; } = status;
    /// <summary>The raw JSON error body, when the endpoint answered.</summary>
    public string? Body { get; } = body;
}

/// <summary>
/// HTTP client of a node's management endpoint (`mrics &lt;group&gt; &lt;command&gt; --host H --port P --token T`):
/// endpoint from --host (host or host:port), --port, else MRICS_HOST ("host:port"), else 127.0.0.1:8558;
/// bearer token from --token, else MRICS_TOKEN. Error answers become <see cref="ManagementClientException"/>
/// with the endpoint's {"error"} message.
/// </summary>
public sealed class ManagementClient : IDisposable
{
    public const int DefaultPort = 8558;
    private readonly HttpClient _http;

    public ManagementClient(Uri baseAddress, string? token, TimeSpan? timeout = null)
    {
        BaseAddress = baseAddress;
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        if (!string.IsNullOrEmpty(token)) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Uri BaseAddress { get; }

    /// <summary>The endpoint and token a command line names (see the class summary).</summary>
    public static ManagementClient FromArgs(CliArgs args, TimeSpan? timeout = null) =>
        new(ResolveAddress(args.Option("host"), args.Option("port"), Environment.GetEnvironmentVariable("MRICS_HOST")),
            args.Option("token") ?? Environment.GetEnvironmentVariable("MRICS_TOKEN"), timeout);

    public static Uri ResolveAddress(string? host, string? port, string? environment)
    {
        var text = host ?? (string.IsNullOrWhiteSpace(environment) ? null : environment.Trim()) ?? "127.0.0.1";
        if (!text.Contains("://", StringComparison.Ordinal)) text = "http://" + text;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliUsageException($"--host/MRICS_HOST '{host ?? environment}' is not host[:port]");
        var b = new UriBuilder(uri) { Path = "/" };
        if (port is not null)
        {
            if (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
                throw new CliUsageException($"--port '{port}' is not a port");
            b.Port = p;
        }
        else if (!System.Text.RegularExpressions.Regex.IsMatch(text, @"^[a-zA-Z]+://(\[[^\]]+\]|[^/:\[]+):\d+"))
        {
            b.Port = DefaultPort;
        }
        return b.Uri;
    }

    public Task<string> GetAsync(string path, CancellationToken ct = default) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path), ct);

    public Task<string> PostAsync(string path, object? body = null, CancellationToken ct = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body is null ? "{}" : JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json"),
        }, ct);

    /// <summary>Posts a body as it is (e.g. a CSV file as text/csv).</summary>
    public Task<string> PostContentAsync(string path, HttpContent content, CancellationToken ct = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = content }, ct);

    /// <summary>Like <see cref="GetAsync"/> but answers the body of a 503 too (health reports say why they fail).</summary>
    public async Task<(int Status, string Body)> GetWithStatusAsync(string path, CancellationToken ct = default)
    {
        using var response = await Send(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.ServiceUnavailable) throw Error(response, body);
        return ((int)response.StatusCode, body);
    }

    /// <summary>Reads server-sent events until the stream ends, <paramref name="onEvent"/> returns false, or <paramref name="ct"/> fires.</summary>
    public async Task StreamEventsAsync(string path, Func<string, string, bool> onEvent, CancellationToken ct = default)
    {
        using var response = await Send(new HttpRequestMessage(HttpMethod.Get, path), HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw Error(response, await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
        string type = "message";
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0 && !onEvent(type, data.ToString())) return;
                type = "message";
                data.Clear();
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal)) type = line[6..].Trim();
            else if (line.StartsWith("data:", StringComparison.Ordinal)) data.Append(line[5..].TrimStart());
        }
    }

    private async Task<string> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var response = await Send(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw Error(response, body);
        return body;
    }

    private async Task<HttpResponseMessage> Send(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken ct)
    {
        try
        {
            return await _http.SendAsync(request, completion, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ManagementClientException(null, $"cannot reach the management endpoint at {BaseAddress}: {ex.Message} " +
                "(is the node running with MriCs:Management:Port, or `mrics serve --management-port P`? --host/--port or MRICS_HOST name it)");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ManagementClientException(null, $"the management endpoint at {BaseAddress} did not answer within {_http.Timeout.TotalSeconds:0} s");
        }
        finally
        {
            request.Dispose();
        }
    }

    private static ManagementClientException Error(HttpResponseMessage response, string body)
    {
        string message;
        try
        {
            using var doc = JsonDocument.Parse(body);
            message = doc.RootElement.TryGetProperty("error", out var e) ? e.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            message = body.Length > 0 ? body : response.ReasonPhrase ?? "error";
        }
        return new ManagementClientException((int)response.StatusCode, $"{(int)response.StatusCode} {response.StatusCode}: {message}", body);
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Dispose() => _http.Dispose();
}
