using System.Net.Http.Json;
using Microsoft.Extensions.Logging;

namespace SelfImprove.Steps;

/// <summary>A run waits for a person: the link that decides it, and what it is about.</summary>
/// <param name="ApprovalUrl">Open it in a browser for the approval page, or POST the decision here; the token in it is single use.</param>
/// <param name="Escalation">True for the reminder sent when half the approval timeout passed without a decision.</param>
public sealed record ApprovalNotice(string RunId, string AgentId, string CandidateVersionId, string Summary, DateTimeOffset ExpiresAt, string ApprovalUrl,
    bool Escalation = false);

/// <summary>Tells the people who approve that a run waits.</summary>
public interface IApprovalNotifier
{
    Task NotifyAsync(ApprovalNotice notice, CancellationToken cancellationToken = default);
}

/// <summary>
/// One line, <c>APPROVAL REQUIRED &lt;runId&gt; &lt;url&gt;</c> (an escalation: <c>APPROVAL ESCALATED &lt;runId&gt; &lt;url&gt;</c>),
/// on a console stream: stdout for <c>selfimprove serve</c> (scripts read it), stderr for <c>selfimprove demo</c> (whose
/// stdout may be the JSON report).
/// </summary>
public sealed class ConsoleApprovalNotifier(TextWriter writer) : IApprovalNotifier
{
    public const string Marker = "APPROVAL REQUIRED";
    public const string EscalationMarker = "APPROVAL ESCALATED";

    public async Task NotifyAsync(ApprovalNotice notice, CancellationToken cancellationToken = default)
    {
        await writer.WriteLineAsync($"{(notice.Escalation ? EscalationMarker : Marker)} {notice.RunId} {notice.ApprovalUrl}");
        await writer.FlushAsync(cancellationToken);
    }
}

/// <summary>
/// Posts the notice as JSON to a configured URL (e.g. a Teams or Slack workflow). The body carries <c>text</c>,
/// which those webhooks show as the message, and every field for workflows that build their own card.
/// A failed post fails the activity, and the orchestration's retry policy sends it again.
/// </summary>
public sealed class WebhookApprovalNotifier(HttpClient http, Uri target, ILogger<WebhookApprovalNotifier> logger) : IApprovalNotifier
{
    public async Task NotifyAsync(ApprovalNotice notice, CancellationToken cancellationToken = default)
    {
        var text = (notice.Escalation ? "Reminder: half the approval time has passed without a decision. " : "") +
                   $"Improvement run {notice.RunId} of '{notice.AgentId}' waits for approval until {notice.ExpiresAt:u}. {notice.Summary}. Open {notice.ApprovalUrl} to see the evidence and decide (machines: POST {{\"decision\":\"approve\"|\"reject\",\"approver\":\"you\"}} there).";
        using var response = await http.PostAsJsonAsync(target, new { text, notice.RunId, notice.AgentId, notice.CandidateVersionId, notice.Summary, notice.ExpiresAt, notice.ApprovalUrl, notice.Escalation }, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"The approval webhook {target.GetLeftPart(UriPartial.Authority)} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        logger.LogInformation("Approval request for run {RunId} posted to the approval webhook", notice.RunId);
    }
}

/// <summary>The default where no notifier is configured: the approval link goes to the host's log.</summary>
public sealed class LogApprovalNotifier(ILogger<LogApprovalNotifier> logger) : IApprovalNotifier
{
    public Task NotifyAsync(ApprovalNotice notice, CancellationToken cancellationToken = default)
    {
        logger.LogWarning("{Marker} {RunId} {ApprovalUrl}", notice.Escalation ? ConsoleApprovalNotifier.EscalationMarker : ConsoleApprovalNotifier.Marker,
            notice.RunId, notice.ApprovalUrl);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The escalation targets the manifests name (<c>approval.escalateTo</c>): the name of a setting whose value is a webhook
/// URL, read from the host's configuration (app settings on Azure Functions) or, without one, the environment
/// (<c>serve</c>). A setting that is missing or not an http(s) URL sends nothing there: the escalation still reaches the
/// usual approvers, and the log names the setting to fix.
/// </summary>
public sealed class ApprovalEscalationTargets(IServiceProvider services, ILoggerFactory loggers)
{
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The notifier for the setting named <paramref name="setting"/>; null when it holds no usable URL (logged).</summary>
    public IApprovalNotifier? For(string setting)
    {
        var configuration = services.GetService(typeof(Microsoft.Extensions.Configuration.IConfiguration)) as Microsoft.Extensions.Configuration.IConfiguration;
        var value = configuration?[setting] ?? Environment.GetEnvironmentVariable(setting);
        if (Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
            return new WebhookApprovalNotifier(http, url, loggers.CreateLogger<WebhookApprovalNotifier>());
        loggers.CreateLogger<ApprovalEscalationTargets>().LogError(
            "The approval escalation target '{Setting}' (approval.escalateTo) is {Problem}: set it to the webhook's http(s) URL; the escalation went to the usual approvers only",
            setting, value is null ? "not set" : "not an http(s) URL");
        return null;
    }
}
