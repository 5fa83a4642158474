using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;
using SelfImprove.Core.Steps;
using SelfImprove.Steps;
using SelfImprove.Api.Approval;
using SelfImprove.Api.Composition;
using SelfImprove.Api.Demonstrations;
using SelfImprove.Workflows;
using SelfImprove.Workflows.ImprovementRun;
using static SelfImprove.Api.Http.ApiProblems;

namespace SelfImprove.Api.Http;

/// <summary>
/// The HTTP API's handlers, shared by both hosts: the self-hosted server maps them on Kestrel, the Functions app
/// calls them from its HTTP triggers. Each takes the host's durable client; keys are checked by the host.
/// </summary>
public sealed partial class ImprovementApi(
    AgentCatalog agents, IRunLedger ledger, ServingRouter router, FeedbackLog feedback, ApprovalGate gate, DemonstrationGate demonstrations,
    IModelRegistry registry, IDeploymentStep deployment, TimeProvider clock)
{
    private static readonly TimeSpan TerminationWait = TimeSpan.FromSeconds(10);

    public async Task<IResult> StartRunAsync(HttpRequest request, string agentId, DurableTaskClient client)
    {
        if (!agents.Contains(agentId)) return UnknownAgent(request, agentId, agents.AgentIds);
        var (body, problem) = await ReadBodyAsync(request, new StartRunBody(null));
        if (problem is not null) return problem;
        body ??= new StartRunBody(null); // a literal null body
        if (body.Reason is { Length: > 500 })
            return Invalid(request, new Dictionary<string, string[]> { ["$.reason"] = ["at most 500 characters."] });

        var links = ApiLinks.From(request);
        var started = await Starter(client).StartAsync(new RunStartRequest(agentId, body.Reason ?? "started over HTTP", Manual: true));
        if (!started.Started)
            return Problem(request, StatusCodes.Status409Conflict, "A run is in progress",
                $"Agent '{agentId}' runs one improvement at a time and {started.RunId} has not finished; follow it, or terminate it first.",
                new Dictionary<string, object?> { ["runId"] = started.RunId, ["statusQueryGetUri"] = links.Run(started.RunId) });
        var check = links.CheckStatus(started.RunId);
        return Results.Accepted(check.StatusQueryGetUri, check);
    }

    public async Task<IResult> GetRunAsync(HttpRequest request, string runId, DurableTaskClient client)
    {
        var state = await RunInstanceAsync(client, runId);
        return state is null ? UnknownRun(request, runId) : Results.Ok(StatusOf(state));
    }

    public async Task<IResult> TerminateAsync(HttpRequest request, string runId, DurableTaskClient client)
    {
        var state = await RunInstanceAsync(client, runId);
        if (state is null) return UnknownRun(request, runId);
        if (!state.IsRunning && state.RuntimeStatus != OrchestrationRuntimeStatus.Pending && state.RuntimeStatus != OrchestrationRuntimeStatus.Suspended)
            return Problem(request, StatusCodes.Status409Conflict, "Run has ended", $"Run {runId} ended {state.RuntimeStatus}; nothing to terminate.");

        var reason = request.Query["reason"].FirstOrDefault() ?? "terminated over HTTP";
        await client.TerminateInstanceAsync(runId, reason);
        using (var wait = new CancellationTokenSource(TerminationWait))
        {
            try { await client.WaitForInstanceCompletionAsync(runId, wait.Token); }
            catch (OperationCanceledException) { } // Still ending: the lock is released by the next start or check (RunStarter).
        }
        // A terminated run never reaches its own rollback and close: end its trial and free the agent here.
        var status = StatusOf(state);
        if (status.AgentId is { } agentId)
        {
            if (status.CandidateVersion is { } candidate) await deployment.RollbackAsync(runId, agentId, candidate);
            if ((await RunInstanceAsync(client, runId))?.RuntimeStatus == OrchestrationRuntimeStatus.Terminated)
                await ledger.ReleaseAsync(agentId, runId);
        }
        return Results.Accepted(ApiLinks.From(request).Run(runId), StatusOf(await RunInstanceAsync(client, runId) ?? state));
    }

    public async Task<IResult> PurgeAsync(HttpRequest request, string runId, DurableTaskClient client)
    {
        var state = await RunInstanceAsync(client, runId);
        if (state is null) return UnknownRun(request, runId);
        if (!IsEnded(state.RuntimeStatus))
            return Problem(request, StatusCodes.Status409Conflict, "Run in progress", $"Run {runId} is {state.RuntimeStatus}; terminate it before purging its history.");
        var purged = await client.PurgeInstanceAsync(runId);
        return Results.Ok(new { id = runId, purged = purged.PurgedInstanceCount });
    }

    public async Task<IResult> RaiseEventAsync(HttpRequest request, string runId, string eventName, DurableTaskClient client)
    {
        if (string.Equals(eventName, RunEvents.Approval, StringComparison.OrdinalIgnoreCase))
            return Problem(request, StatusCodes.Status403Forbidden, "Use the approval webhook",
                $"Approval decisions need the run's token: POST /api/runs/{runId}/approval?token=<token from the approval link>.");
        if (string.Equals(eventName, RunEvents.Demonstrations, StringComparison.OrdinalIgnoreCase))
            return Problem(request, StatusCodes.Status403Forbidden, "Use the demonstrations route",
                $"Demonstrated samples are checked and stored first: POST /api/runs/{runId}/demonstrations with {{ \"by\", \"samples\": [{{ \"text\", \"label\" }}] }}.");
        if (!EventName().IsMatch(eventName))
            return Problem(request, StatusCodes.Status400BadRequest, "Invalid event name", "Event names are 1–64 letters, digits, '-' or '_'.");
        var state = await RunInstanceAsync(client, runId);
        if (state is null) return UnknownRun(request, runId);
        if (IsEnded(state.RuntimeStatus))
            return Problem(request, StatusCodes.Status409Conflict, "Run has ended", $"Run {runId} ended {state.RuntimeStatus}; it waits for no events.");
        var (body, problem) = await ReadBodyAsync<System.Text.Json.Nodes.JsonNode>(request);
        if (problem is not null) return problem;
        await client.RaiseEventAsync(runId, eventName, body);
        return Results.Accepted(ApiLinks.From(request).Run(runId));
    }

    /// <summary>The approval webhook: the token in the query authorises it (see <see cref="ApprovalGate"/>).</summary>
    public async Task<IResult> ApproveAsync(HttpRequest request, string runId, DurableTaskClient client)
    {
        if (await RunInstanceAsync(client, runId) is null) return UnknownRun(request, runId);
        var (body, problem) = await ReadBodyAsync<ApprovalBody>(request);
        if (problem is not null) return problem;
        var errors = ValidateApproval(body);
        if (errors.Count > 0) return Invalid(request, errors);

        var decision = new ApprovalDecision(body!.Decision == "approve", body.Approver!.Trim(), body.Comment);
        var result = await gate.DecideAsync(client, runId, request.Query["token"].FirstOrDefault(), decision);
        var links = ApiLinks.From(request);
        return result.Outcome switch
        {
            ApprovalOutcome.Accepted => Results.Accepted(links.Run(runId), new ApprovalAccepted(runId, body.Decision!, decision.By, links.Run(runId))),
            ApprovalOutcome.UnknownRun => UnknownRun(request, runId),
            ApprovalOutcome.InvalidToken => Problem(request, StatusCodes.Status403Forbidden, "Invalid approval token", result.Message),
            ApprovalOutcome.ExpiredToken => Problem(request, StatusCodes.Status403Forbidden, "Approval token expired", result.Message),
            ApprovalOutcome.AlreadyDecided => Problem(request, StatusCodes.Status409Conflict, "Already decided", result.Message),
            _ => Problem(request, StatusCodes.Status409Conflict, "Run is not waiting for approval", result.Message),
        };
    }

    /// <summary>People's labelled samples for a run whose plan asked for them (see <see cref="DemonstrationGate"/>).</summary>
    public async Task<IResult> DemonstrateAsync(HttpRequest request, string runId, DurableTaskClient client)
    {
        if (await RunInstanceAsync(client, runId) is null) return UnknownRun(request, runId);
        var (body, problem) = await ReadBodyAsync<DemonstrationsBody>(request);
        if (problem is not null) return problem;

        var result = await demonstrations.SubmitAsync(client, runId, body?.By ?? "", body?.Samples ?? []);
        var links = ApiLinks.From(request);
        return result.Outcome switch
        {
            DemonstrationOutcome.Accepted => Results.Accepted(links.Run(runId),
                new DemonstrationsAccepted(runId, result.Received!.Attempt, result.Received.By, result.Received.Count, links.Run(runId))),
            DemonstrationOutcome.UnknownRun => UnknownRun(request, runId),
            DemonstrationOutcome.Invalid => Invalid(request, DemonstrationErrors(result.Problems ?? [result.Message])),
            _ => Problem(request, StatusCodes.Status409Conflict, "Run is not waiting for demonstrations", result.Message),
        };
    }

    public async Task<IResult> FeedbackAsync(HttpRequest request, string agentId)
    {
        if (!agents.Contains(agentId)) return UnknownAgent(request, agentId, agents.AgentIds);
        var (body, problem) = await ReadBodyAsync<FeedbackBody>(request);
        if (problem is not null) return problem;
        var labels = agents.Get(agentId).Manifest.LabelNames.ToHashSet(StringComparer.Ordinal);
        var errors = new Dictionary<string, string[]>();
        if (body is null) errors["$"] = ["send a JSON object: { \"text\", \"predicted\", \"label\"?, \"thumbsUp\"? }."];
        else
        {
            CheckText(errors, "$.text", body.Text);
            if (string.IsNullOrWhiteSpace(body.Predicted)) errors["$.predicted"] = ["required: the intent the agent answered with."];
            else if (!labels.Contains(body.Predicted)) errors["$.predicted"] = [$"'{body.Predicted}' is not an intent of '{agentId}'."];
            if (body.Label is not null && !labels.Contains(body.Label)) errors["$.label"] = [$"'{body.Label}' is not an intent of '{agentId}'; omit it if unknown."];
        }
        if (errors.Count > 0) return Invalid(request, errors);

        var item = await feedback.AppendAsync(agentId, body!.Text!, body.Predicted!, body.Label, body.ThumbsUp);
        return Results.Created((string?)null, new FeedbackAccepted(item.Id, agentId, item.ReceivedAt, item.KnownLabel));
    }

    public async Task<IResult> PredictAsync(HttpRequest request, string agentId)
    {
        if (!agents.Contains(agentId)) return UnknownAgent(request, agentId, agents.AgentIds);
        var (body, problem) = await ReadBodyAsync<PredictBody>(request);
        if (problem is not null) return problem;
        var errors = new Dictionary<string, string[]>();
        CheckText(errors, "$.text", body?.Text);
        if (errors.Count > 0) return Invalid(request, errors);
        if (await registry.GetServingAsync(agentId) is null)
            return Problem(request, StatusCodes.Status409Conflict, "No serving version", $"Agent '{agentId}' has no model yet: train one ('selfimprove train').");

        var answer = await router.PredictAsync(agentId, body!.Text!.Trim());
        var p = answer.Prediction;
        return Results.Ok(new PredictionPayload(p.Intent, p.Probability, p.Margin, p.RunnerUp, answer.Action, answer.VersionId));
    }

    public async Task<IResult> VersionsAsync(HttpRequest request, string agentId)
    {
        if (!agents.Contains(agentId)) return UnknownAgent(request, agentId, agents.AgentIds);
        var serving = await registry.GetServingAsync(agentId);
        var versions = (await registry.ListAsync(agentId)).Select(v => new VersionPayload(
            v.VersionId, v.ParentVersionId, v.CreatedAt, v.CreatedBy, v.TrainingSet.Count, v.Evaluation.Overall.Accuracy, v.VersionId == serving?.VersionId)).ToArray();
        return Results.Ok(new VersionsPayload(agentId, serving?.VersionId, serving?.PreviousVersionId, versions));
    }

    public async Task<IResult> RollbackAsync(HttpRequest request, string agentId, DurableTaskClient client)
    {
        if (!agents.Contains(agentId)) return UnknownAgent(request, agentId, agents.AgentIds);
        if (await Starter(client).RunningAsync(agentId) is { } running)
            return Problem(request, StatusCodes.Status409Conflict, "A run is in progress",
                $"Run {running} may change the serving version; terminate it or wait for it before rolling back.",
                new Dictionary<string, object?> { ["runId"] = running });
        // Back to the version the serving one was trained from, so repeated rollbacks walk back instead of flipping.
        var serving = await registry.GetServingAsync(agentId);
        var current = serving is null ? null : await registry.GetAsync(agentId, serving.VersionId);
        if (current?.ParentVersionId is not { } parent)
            return Problem(request, StatusCodes.Status409Conflict, "Nothing to roll back to",
                $"Agent '{agentId}' has {(serving is null ? "no serving version" : $"{serving.VersionId} serving, which was trained from no earlier version")}.");
        var now = await registry.SetServingAsync(agentId, parent, $"rolled back from {current.VersionId} to {parent}, the version it was trained from");
        return Results.Ok(new ServingPayload(agentId, now.VersionId, now.PreviousVersionId, now.Reason));
    }

    private RunStarter Starter(DurableTaskClient client) => new(ledger, new DurableRunScheduler(client), clock);

    /// <summary>The instance, if it is an improvement run (monitoring checks are not runs).</summary>
    private static async Task<OrchestrationMetadata?> RunInstanceAsync(DurableTaskClient client, string runId)
    {
        return RunIdPattern().IsMatch(runId) ? await RunInstances.GetAsync(client, runId) : null;
    }

    private static RunStatusPayload StatusOf(OrchestrationMetadata state)
    {
        var progress = RunInstances.ProgressOf(state);
        var input = state.SerializedInput is { Length: > 0 } ? state.ReadInputAs<RunInput>() : null;
        var completed = state.RuntimeStatus == OrchestrationRuntimeStatus.Completed;
        var report = completed ? state.ReadOutputAs<ImprovementReport>() : null;
        var failure = state.RuntimeStatus is OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated
            ? state.FailureDetails?.ErrorMessage ?? state.SerializedOutput
            : null;
        var log = progress?.Log ?? [];
        var waiting = progress?.WaitingForApproval == true && state.RuntimeStatus == OrchestrationRuntimeStatus.Running;
        return new RunStatusPayload(
            state.InstanceId, input?.AgentId, state.RuntimeStatus.ToString(), state.CreatedAt, state.LastUpdatedAt,
            log.Count > 0 ? log[^1].Phase : null, report?.Attempts ?? (log.Count > 0 ? log.Max(e => e.Attempt) : 0),
            report?.CandidateVersion ?? progress?.CandidateVersionId, report?.Metrics ?? progress?.Metrics,
            waiting, waiting ? progress!.ApprovalExpiresAt : null,
            progress?.WaitingForDemonstrations == true && state.RuntimeStatus == OrchestrationRuntimeStatus.Running, log, report, failure);
    }

    private static bool IsEnded(OrchestrationRuntimeStatus status) =>
        status is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated;

    /// <summary>"samples[2].label: …" lines as one entry per JSON path.</summary>
    private static Dictionary<string, string[]> DemonstrationErrors(IEnumerable<string> problems)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var problem in problems)
        {
            var split = problem.IndexOf(": ", StringComparison.Ordinal);
            var path = split < 0 ? "$" : "$." + problem[..split];
            errors[path] = [.. errors.GetValueOrDefault(path) ?? [], split < 0 ? problem : problem[(split + 2)..]];
        }
        return errors;
    }

    private static Dictionary<string, string[]> ValidateApproval(ApprovalBody? body)
    {
        var errors = new Dictionary<string, string[]>();
        if (body is null) return new() { ["$"] = ["send { \"decision\": \"approve\" | \"reject\", \"approver\": \"name\", \"comment\"?: \"...\" }."] };
        if (body.Decision is not ("approve" or "reject")) errors["$.decision"] = ["must be \"approve\" or \"reject\"."];
        if (string.IsNullOrWhiteSpace(body.Approver) || body.Approver.Length > 100) errors["$.approver"] = ["required: who decides (1–100 characters)."];
        if (body.Comment is { Length: > 2000 }) errors["$.comment"] = ["at most 2000 characters."];
        return errors;
    }

    private static void CheckText(Dictionary<string, string[]> errors, string path, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) errors[path] = ["required: the user's request text."];
        else if (text.Trim().Length > Core.Planning.SampleCurator.MaxTextLength) errors[path] = [$"at most {Core.Planning.SampleCurator.MaxTextLength} characters."];
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,100}-[0-9]{1,9}$")]
    private static partial Regex RunIdPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex EventName();
}
