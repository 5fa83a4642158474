namespace SelfImprove.Runs;

/// <summary>
/// The API's routes, relative to <c>/api/</c> (the Functions route prefix); both hosts serve exactly these, and the
/// CLI's remote commands call them.
/// </summary>
public static class ApiRoutes
{
    public const string Prefix = "api";
    public const string Runs = "agents/{agentId}/runs";
    public const string Feedback = "agents/{agentId}/feedback";
    public const string Predict = "agents/{agentId}/predict";
    public const string Versions = "agents/{agentId}/versions";
    public const string Rollback = "agents/{agentId}/rollback";
    public const string Deployments = "agents/{agentId}/deployments";
    public const string TrialStop = "agents/{agentId}/trial/stop";
    public const string Labelling = "agents/{agentId}/labelling";
    public const string LabellingItem = "agents/{agentId}/labelling/{itemId}";
    public const string Subject = "agents/{agentId}/subjects/{subject}";
    public const string Run = "runs/{runId}";
    public const string RunReport = "runs/{runId}/report.html";
    public const string Terminate = "runs/{runId}/terminate";
    public const string Event = "runs/{runId}/events/{eventName}";
    public const string Approval = "runs/{runId}/approval";
    public const string Demonstrations = "runs/{runId}/demonstrations";
    public const string TrainingCompleted = "runs/{runId}/training/{jobId}/completed";

    /// <summary>The header (or <c>code</c> query parameter) that carries the key, as in Azure Functions.</summary>
    public const string KeyHeader = "x-functions-key";
    public const string KeyQuery = "code";
}

/// <summary>
/// Links into the API from a base such as <c>https://host/</c>: absolute, or relative to the server (<c>/api/…</c>)
/// when the base is null (a host that does not know its public URL).
/// </summary>
public sealed class ApiLinks(Uri? baseAddress) : Steps.IApprovalLinks
{
    public Uri? BaseAddress { get; } = baseAddress;

    public string StartRun(string agentId) => Api(Fill(ApiRoutes.Runs, agentId));
    public string Run(string runId) => Api(Fill(ApiRoutes.Run, runId));
    public string RunReport(string runId) => Api(Fill(ApiRoutes.RunReport, runId));
    public string Terminate(string runId) => Api(Fill(ApiRoutes.Terminate, runId));
    public string Event(string runId, string eventName) => Api(Fill(ApiRoutes.Run, runId) + $"/events/{eventName}");
    public string Demonstrations(string runId) => Api(Fill(ApiRoutes.Demonstrations, runId));
    public string TrainingCompleted(string runId, string jobId) => Api(Fill(ApiRoutes.Run, runId) + $"/training/{Uri.EscapeDataString(jobId)}/completed");
    public string Approval(string runId, string token) => Api(Fill(ApiRoutes.Approval, runId) + $"?token={Uri.EscapeDataString(token)}");
    public string Versions(string agentId) => Api(Fill(ApiRoutes.Versions, agentId));
    public string Deployments(string agentId) => Api(Fill(ApiRoutes.Deployments, agentId));
    public string Labelling(string agentId, int? limit = null) => Api(Fill(ApiRoutes.Labelling, agentId) + (limit is { } n ? $"?limit={n}" : ""));
    public string LabellingItem(string agentId, string itemId) => Api(Fill(ApiRoutes.Labelling, agentId) + "/" + Uri.EscapeDataString(itemId));

    /// <summary>The body Durable Functions' <c>CreateCheckStatusResponse</c> returns, pointing at this API's own routes.</summary>
    public CheckStatusPayload CheckStatus(string runId) =>
        new(runId, Run(runId), Event(runId, "{eventName}"), Terminate(runId), Run(runId));

    /// <summary>Puts the escaped value into the route's one parameter (<c>{agentId}</c> or <c>{runId}</c>).</summary>
    private static string Fill(string route, string value)
    {
        var open = route.IndexOf('{');
        var close = route.IndexOf('}', open);
        return route[..open] + Uri.EscapeDataString(value) + route[(close + 1)..];
    }

    private string Api(string path) => BaseAddress is null
        ? $"/{ApiRoutes.Prefix}/{path}"
        : new Uri(BaseAddress, $"{ApiRoutes.Prefix}/{path}").ToString().Replace("%7BeventName%7D", "{eventName}");
}

/// <summary>Shaped like Durable Functions' check-status response.</summary>
public sealed record CheckStatusPayload(string Id, string StatusQueryGetUri, string SendEventPostUri, string TerminatePostUri, string PurgeHistoryDeleteUri);
