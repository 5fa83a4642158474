using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using SelfImprove.Runs;

namespace SelfImprove.Cli;

/// <summary>
/// The CLI's side of the HTTP API (<c>selfimprove serve</c> or the Functions app): sends the key, and turns
/// problem+json answers into one clear line.
/// </summary>
public sealed class ApiClient(Uri server, string? key) : IDisposable
{
    private readonly HttpClient http = new() { BaseAddress = server, Timeout = TimeSpan.FromSeconds(100) };

    public Uri BaseAddress => server;

    /// <summary>The server's routes (<see cref="ApiRoutes"/>), as absolute links.</summary>
    public ApiLinks Links { get; } = new(server);

    public static ApiClient From(string server, string? key)
    {
        if (!Uri.TryCreate(server.EndsWith('/') ? server : server + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ApiException($"--server: '{server}' is not an http(s) URL such as http://127.0.0.1:7071.", invalidInput: true);
        return new ApiClient(uri, key ?? Environment.GetEnvironmentVariable(Commands.ServeCommand.KeyEnvironmentVariable));
    }

    public Task<JsonObject> PostAsync(string path, object? body = null, CancellationToken cancellationToken = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) }, cancellationToken);

    public Task<JsonObject> GetAsync(string path, CancellationToken cancellationToken = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);

    /// <summary>GETs a page (HTML) as text; problems as for JSON.</summary>
    public async Task<string> GetPageAsync(string path, CancellationToken cancellationToken = default)
    {
        string? page = null;
        await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken, html => page = html);
        return page!;
    }

    private async Task<JsonObject> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken, Action<string>? html = null)
    {
        if (key is { Length: > 0 }) request.Headers.Add(ApiRoutes.KeyHeader, key);
        HttpResponseMessage response;
        try { response = await http.SendAsync(request, cancellationToken); }
        catch (HttpRequestException e) { throw new ApiException($"No answer from {http.BaseAddress}: {e.Message}", invalidInput: false); }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ApiException($"{http.BaseAddress} did not answer within {http.Timeout.TotalSeconds:0} s.", invalidInput: false);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (html is not null && response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == "text/html")
            {
                html(text);
                return [];
            }
            JsonObject? body = null;
            try { body = text.Length > 0 ? JsonNode.Parse(text) as JsonObject : null; }
            catch (JsonException) { }
            if (response.IsSuccessStatusCode)
                return body ?? (text.Length == 0 ? [] : throw new ApiException(
                    $"{http.BaseAddress} answered {(int)response.StatusCode} with something other than JSON; is it a SelfImprove server? ({text[..Math.Min(120, text.Length)]})", invalidInput: false));
            var detail = body?["detail"]?.GetValue<string>() ?? text;
            var title = body?["title"]?.GetValue<string>() ?? response.ReasonPhrase;
            throw new ApiException($"{(int)response.StatusCode} {title}: {detail}",
                invalidInput: response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound);
        }
    }

    public void Dispose() => http.Dispose();
}

/// <summary>The server refused or could not be reached; <see cref="InvalidInput"/> when the request itself was wrong.</summary>
public sealed class ApiException(string message, bool invalidInput) : Exception(message)
{
    public bool InvalidInput { get; } = invalidInput;
}
