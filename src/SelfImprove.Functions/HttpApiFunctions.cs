using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using SelfImprove.Api.Http;
using SelfImprove.Runs;

namespace SelfImprove.Functions;

/// <summary>
/// The HTTP API as HTTP triggers: each calls the shared handler with the function's durable client.
/// Function keys guard every route but the approval webhook, which the run's single-use token authorises.
/// </summary>
public sealed class HttpApiFunctions(ImprovementApi api)
{
    [Function("StartRun")]
    public async Task<IActionResult> StartRun(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.Runs)] HttpRequest request, string agentId, [DurableClient] DurableTaskClient client) =>
        new ResultAction(await api.StartRunAsync(request, agentId, client));

    [Function("GetRun")]
    public async Task<IActionResult> GetRun(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Run)] HttpRequest request, string runId, [DurableClient] DurableTaskClient client) =>
        new ResultAction(await api.GetRunAsync(request, runId, client));

    /// <summary>The run page as one self-contained HTML file (<c>selfimprove report --html</c>).</summary>
    [Function("RunReport")]
    public async Task<IActionResult> RunReport(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.RunReport)] HttpRequest request, string runId, [DurableClient] DurableTaskClient client) =>
        new ResultAction(await api.TeamPages.RunReportAsync(request, runId, client));

    [Function("PurgeRun")]
    public async Task<IActionResult> PurgeRun(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = ApiRoutes.Run)] HttpRequest request, string runId, [DurableClient] DurableTaskClient client) =>
        new ResultAction(await api.PurgeAsync(request, runId, client));

    [Function("TerminateRun")]
    public async Task<IActionResult> TerminateRun(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.Terminate)] HttpRequest request, string runId, [DurableClient] DurableTaskClient client) =>
        new ResultAction(await api.TerminateAsync(request, runId, client));

    [Function("RaiseRunEvent")]
    public async Task<IActionResult> RaiseRunEvent(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.Event)] HttpRequest request, string runId, string eventName, [DurableClient] DurableTaskClient client) =>
        new ResultAction(await api.RaiseEventAsync(request, runId, eventName, client));

    [Function("TrainingCompleted")]
    public async Task<IActionResult> TrainingCompleted(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.TrainingCompleted)] HttpRequest request, string runId, string jobId,
        [DurableClient] DurableTaskClient client) =>
        new ResultAction(await api.TrainingCompletedAsync(request, runId, jobId, client));

    [Function("ApproveRun")]
    public async Task<IActionResult> ApproveRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ApiRoutes.Approval)] HttpRequest request, string runId, [DurableClient] DurableTaskClient client) =>
        new ResultAction(await api.ApproveAsync(request, runId, client));

    /// <summary>The approval page: the approval link opened in a browser (its token authorises it, like the webhook).</summary>
    [Function("ApprovalPage")]
    public async Task<IActionResult> ApprovalPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Approval)] HttpRequest request, string runId, [DurableClient] DurableTaskClient client) =>
        new ResultAction(await api.ApprovalPages.ShowAsync(request, runId, client));

    [Function("Demonstrate")]
    public async Task<IActionResult> Demonstrate(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.Demonstrations)] HttpRequest request, string runId, [DurableClient] DurableTaskClient client) =>
        new ResultAction(await api.DemonstrateAsync(request, runId, client));

    [Function("Feedback")]
    public async Task<IActionResult> Feedback(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.Feedback)] HttpRequest request, string agentId) =>
        new ResultAction(await api.FeedbackAsync(request, agentId));

    [Function("Predict")]
    public async Task<IActionResult> Predict(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.Predict)] HttpRequest request, string agentId) =>
        new ResultAction(await api.PredictAsync(request, agentId));

    [Function("EraseSubject")]
    public async Task<IActionResult> EraseSubject(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = ApiRoutes.Subject)] HttpRequest request, string agentId, string subject) =>
        new ResultAction(await api.EraseSubjectAsync(request, agentId, subject));

    [Function("Versions")]
    public async Task<IActionResult> Versions(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Versions)] HttpRequest request, string agentId) =>
        new ResultAction(await api.VersionsAsync(request, agentId));

    [Function("Deployments")]
    public async Task<IActionResult> Deployments(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Deployments)] HttpRequest request, string agentId) =>
        new ResultAction(await api.DeploymentsAsync(request, agentId));

    [Function("StopTrial")]
    public async Task<IActionResult> StopTrial(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.TrialStop)] HttpRequest request, string agentId) =>
        new ResultAction(await api.StopTrialAsync(request, agentId));

    [Function("Labelling")]
    public async Task<IActionResult> Labelling(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Labelling)] HttpRequest request, string agentId, [DurableClient] DurableTaskClient client) =>
        new ResultAction(await api.LabellingAsync(request, agentId, client));

    [Function("Label")]
    public async Task<IActionResult> Label(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.LabellingItem)] HttpRequest request, string agentId, string itemId, [DurableClient] DurableTaskClient client) =>
        new ResultAction(await api.LabelAsync(request, agentId, itemId, client));

    [Function("Rollback")]
    public async Task<IActionResult> Rollback(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.Rollback)] HttpRequest request, string agentId, [DurableClient] DurableTaskClient client) =>
        new ResultAction(await api.RollbackAsync(request, agentId, client));

    /// <summary>The shared handlers return minimal-API results; the Functions host executes MVC action results.</summary>
    public sealed class ResultAction(IResult result) : IActionResult
    {
        public IResult Result => result;

        public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
    }
}
