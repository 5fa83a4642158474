namespace SelfImprove.Api.Http;

/// <summary>
/// The API's routes, relative to <c>/api/</c> (the Functions route prefix); both hosts serve exactly these.
/// </summary>
public static class ApiRoutes
{
    public const string Prefix = "api";
    public const string Runs = "agents/{agentId}/runs";
    public const string Feedback = "agents/{agentId}/feedback";
    public const string Predict = "agents/{agentId}/predict";
    public const string Versions = "agents/{agentId}/versions";
    public const string Rollback = "agents/{agentId}/rollback";
    public const string Run = "runs/{runId}";
    public const string Terminate = "runs/{runId}/terminate";
    public const string Event = "runs/{runId}/events/{eventName}";
    public const string Approval = "runs/{runId}/approval";
    public const string Demonstrations = "runs/{runId}/demonstrations";

    /// <summary>The header (or <c>code</c> query parameter) that carries the key, as in Azure Functions.</summary>
    public const string KeyHeader = "x-functions-key";
    public const string KeyQuery = "code";
}

/// <summary>Absolute links into the API, from a base such as <c>https://host/</c>.</summary>
public sealed class ApiLinks(Uri baseAddress)
{
    public Uri BaseAddress { get; } = baseAddress;

    public static ApiLinks From(Microsoft.AspNetCore.Http.HttpRequest request) =>
        new(new Uri($"{request.Scheme}://{request.Host}{request.PathBase}/"));

    public string Run(string runId) => Api($"runs/{Escape(runId)}");
    public string Terminate(string runId) => Api($"runs/{Escape(runId)}/terminate");
    public string Event(string runId, string eventName) => Api($"runs/{Escape(runId)}/events/{eventName}");
    public string Approval(string runId, string token) => Api($"runs/{Escape(runId)}/approval?token={Uri.EscapeDataString(token)}");
    public string Versions(string agentId) => Api($"agents/{Escape(agentId)}/versions");

    /// <summary>The body Durable Functions' <c>CreateCheckStatusResponse</c> returns, pointing at this API's own routes.</summary>
    public CheckStatusPayload CheckStatus(string runId) =>
        new(runId, Run(runId), Event(runId, "{eventName}"), Terminate(runId), Run(runId));

    private string Api(string path) => new Uri(BaseAddress, $"{ApiRoutes.Prefix}/{path}").ToString().Replace("%7BeventName%7D", "{eventName}");

    private static string Escape(string segment) => Uri.EscapeDataString(segment);
}
