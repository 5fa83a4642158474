using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SelfImprove.Testing;

/// <summary>One chat-completions request as the fake server received it.</summary>
/// <param name="Protocol"><c>azure</c> (<c>/openai/deployments/{d}/chat/completions</c>) or <c>openai</c> (<c>/v1/chat/completions</c>).</param>
/// <param name="Model">The deployment (Azure) or the body's model (OpenAI).</param>
/// <param name="ApiVersion">The Azure <c>api-version</c> query value.</param>
/// <param name="Messages">(role, content) of each message.</param>
/// <param name="Credential">The <c>api-key</c> or <c>Authorization</c> header.</param>
public sealed record ChatCall(string Protocol, string Model, string? ApiVersion, IReadOnlyList<(string Role, string Content)> Messages, string? Credential, DateTimeOffset At)
{
    public string System => Messages.FirstOrDefault(m => m.Role == "system").Content ?? "";
    public string User => Messages.LastOrDefault(m => m.Role == "user").Content ?? "";
}

/// <summary>What the fake server answers to one request.</summary>
/// <param name="Delay">How long the server takes before it answers (for timeout tests).</param>
public sealed record ChatReply(int Status, string? Content, int InputTokens, int OutputTokens, string? RetryAfter, string? ErrorBody = null, TimeSpan Delay = default)
{
    public static ChatReply Text(string content, int inputTokens = 100, int outputTokens = 50) => new(200, content, inputTokens, outputTokens, null);

    public static ChatReply Json(object value, int inputTokens = 100, int outputTokens = 50) => Text(JsonSerializer.Serialize(value, JsonSerializerOptions.Web), inputTokens, outputTokens);

    public static ChatReply TooManyRequests(string retryAfterSeconds = "0") =>
        new(429, null, 0, 0, retryAfterSeconds, """{"error":{"code":"429","message":"Rate limit reached. Retry later."}}""");

    public static ChatReply ServerError(int status = 503) => new(status, null, 0, 0, null, """{"error":{"code":"server_error","message":"The server is busy."}}""");
}

/// <summary>
/// A chat-completions server on 127.0.0.1 (a free port) inside the test process: Azure OpenAI paths
/// (<c>/openai/deployments/{d}/chat/completions?api-version=...</c>) and OpenAI-compatible ones (<c>/v1/chat/completions</c>),
/// so the real SDK clients and their pipelines talk to it. Replies come from the queue first, then from the responder;
/// with neither, a 500 says that the test scripted too few.
/// </summary>
public sealed class FakeChatServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<ChatReply> queue = new();
    private readonly ConcurrentQueue<ChatCall> calls = new();
    private readonly Func<ChatCall, ChatReply>? responder;

    private FakeChatServer(WebApplication app, Func<ChatCall, ChatReply>? responder)
    {
        this.app = app;
        this.responder = responder;
    }

    /// <summary>The base URL OpenAI clients take (with <c>/v1</c>).</summary>
    public Uri OpenAIBaseUrl => new(Address + "/v1");

    /// <summary>The resource URL Azure OpenAI clients take.</summary>
    public Uri AzureEndpoint => new(Address + "/");

    public string Address { get; private set; } = "";

    public IReadOnlyList<ChatCall> Calls => calls.ToArray();

    public static async Task<FakeChatServer> StartAsync(Func<ChatCall, ChatReply>? responder = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeChatServer(app, responder);
        app.MapPost("/openai/deployments/{deployment}/chat/completions", (HttpContext http, string deployment) =>
            server.AnswerAsync(http, "azure", deployment));
        app.MapPost("/v1/chat/completions", (HttpContext http) => server.AnswerAsync(http, "openai", null));
        await app.StartAsync();
        server.Address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return server;
    }

    public FakeChatServer Enqueue(params ChatReply[] replies)
    {
        foreach (var reply in replies) queue.Enqueue(reply);
        return this;
    }

    private async Task AnswerAsync(HttpContext http, string protocol, string? deployment)
    {
        var body = await JsonNode.ParseAsync(http.Request.Body) ?? new JsonObject();
        var messages = (body["messages"] as JsonArray ?? [])
            .Select(m => ((string?)m?["role"] ?? "", ContentOf(m?["content"])))
            .ToArray();
        var call = new ChatCall(protocol, deployment ?? (string?)body["model"] ?? "", http.Request.Query["api-version"],
            messages, http.Request.Headers["api-key"].FirstOrDefault() ?? http.Request.Headers.Authorization.FirstOrDefault(), DateTimeOffset.UtcNow);
        calls.Enqueue(call);

        var reply = queue.TryDequeue(out var next) ? next
            : responder?.Invoke(call) ?? new ChatReply(500, null, 0, 0, null, """{"error":{"message":"FakeChatServer: no reply scripted for this call"}}""");
        if (reply.Delay > TimeSpan.Zero)
        {
            try { await Task.Delay(reply.Delay, http.RequestAborted); }
            catch (OperationCanceledException) { return; }
        }
        http.Response.StatusCode = reply.Status;
        if (reply.RetryAfter is not null) http.Response.Headers["Retry-After"] = reply.RetryAfter;
        http.Response.ContentType = "application/json";
        if (reply.Status != 200)
        {
            await http.Response.WriteAsync(reply.ErrorBody ?? "{}");
            return;
        }
        var completion = new JsonObject
        {
            ["id"] = $"chatcmpl-{calls.Count}",
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = call.Model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply.Content },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = reply.InputTokens,
                ["completion_tokens"] = reply.OutputTokens,
                ["total_tokens"] = reply.InputTokens + reply.OutputTokens,
            },
        };
        await http.Response.WriteAsync(completion.ToJsonString());
    }

    /// <summary>Content is a string, or an array of parts whose text parts are joined.</summary>
    private static string ContentOf(JsonNode? content) => content switch
    {
        JsonValue value => (string?)value ?? "",
        JsonArray parts => string.Concat(parts.Select(p => (string?)p?["text"] ?? "")),
        _ => "",
    };

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
