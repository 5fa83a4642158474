using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using SelfImprove.Core.Models;
using SelfImprove.Core.Ports;
using SelfImprove.Runs;
using SelfImprove.Steps;
using SelfImprove.Workflows.Steps;
using static SelfImprove.Api.Http.ApiProblems;

namespace SelfImprove.Api.Http;

/// <summary>
/// The HTTP API's handlers, shared by both hosts: the self-hosted server maps them on Kestrel
/// (<see cref="ApiEndpoints.MapSelfImproveApi"/>), the Functions app calls them from its HTTP triggers. Each takes the
/// host's durable client and works through its <see cref="RunClient"/>; keys are checked by the host. Handlers
/// translate between HTTP and the run client: bodies in, problems and payloads out, nothing else.
/// </summary>
public sealed partial class ImprovementApi(
    AgentCatalog agents, RunClientFactory runs, ServingRouter router, FeedbackLog feedback, IModelRegistry registry, IOptions<LoopOptions> loop,
    IEnumerable<ISubjectData> subjectData, ServingPointers pointers, DeploymentLedger deployments, TrialStopper trials,
    Pages.ApprovalPages approvalPages, Pages.TeamPages teamPages, TrainingCompletions trainingCompletions)
{
    /// <summary>Most inputs one batch predict takes.</summary>
    public const int MaxPredictInputs = 100;

    /// <summary>Longest subject key, in characters.</summary>
    public const int MaxSubjectLength = 256;

    /// <summary>
    /// Links in responses (<c>Location</c>, the check-status body) start at the configured public URL
    /// (<see cref="LoopOptions.PublicBaseUrl"/>: <c>--public-url</c> or the listening URL on <c>serve</c>, the app's
    /// public URL on Functions), never at the request's <c>Host</c> header, which the caller chooses.
    /// </summary>
    private readonly ApiLinks links = new(loop.Value.PublicBaseUrl);

    /// <summary>The approval page on the approval link (GET), and its form decisions.</summary>
    public Pages.ApprovalPages ApprovalPages => approvalPages;

    /// <summary>The team pages (index, agent, run) and their sign-in.</summary>
    public Pages.TeamPages TeamPages => teamPages;

    public async Task<IResult> StartRunAsync(HttpRequest request, string agentId, DurableTaskClient client)
    {
        if (!agents.Contains(agentId)) return UnknownAgent(request, agentId, agents.AgentIds);
        var (body, problem) = await ReadBodyAsync(request, BodyLimit.StartRun, new StartRunBody(null));
        if (problem is not null) return problem;
        body ??= new StartRunBody(null); // a literal null body
        if (body.Reason is { Length: > 500 })
            return Invalid(request, new Dictionary<string, string[]> { ["$.reason"] = ["at most 500 characters."] });

        var started = await runs.Create(client).StartAsync(new RunStartRequest(agentId, body.Reason ?? "started over HTTP", Manual: true));
        if (!started.Started && ServingRollback.IsRollbackHold(started.RunId))
            return Problem(request, StatusCodes.Status409Conflict, "A rollback is in progress",
                $"A rollback of '{agentId}' ({started.RunId}) is changing the serving version; start the run again in a moment.",
                new Dictionary<string, object?> { ["heldBy"] = started.RunId });
        if (!started.Started)
            return Problem(request, StatusCodes.Status409Conflict, "A run is in progress",
                $"Agent '{agentId}' runs one improvement at a time and {started.RunId} has not finished; follow it, or terminate it first.",
                new Dictionary<string, object?> { ["runId"] = started.RunId, ["statusQueryGetUri"] = links.Run(started.RunId) });
        var check = links.CheckStatus(started.RunId);
        return TypedResults.Accepted(check.StatusQueryGetUri, check);
    }

    public async Task<IResult> GetRunAsync(HttpRequest request, string runId, DurableTaskClient client) =>
        await runs.Create(client).GetAsync(runId) is { } run ? TypedResults.Ok(StatusOf(run)) : UnknownRun(request, runId);

    public async Task<IResult> TerminateAsync(HttpRequest request, string runId, DurableTaskClient client)
    {
        var reason = request.Query["reason"].FirstOrDefault() ?? "terminated over HTTP";
        var result = await runs.Create(client).TerminateAsync(runId, reason);
        return result.Outcome switch
        {
            RunCommandOutcome.Done => TypedResults.Accepted(links.Run(runId), StatusOf(result.Run!)),
            RunCommandOutcome.UnknownRun => UnknownRun(request, runId),
            _ => Problem(request, StatusCodes.Status409Conflict, "Run has ended", result.Message),
        };
    }

    public async Task<IResult> PurgeAsync(HttpRequest request, string runId, DurableTaskClient client)
    {
        var result = await runs.Create(client).PurgeAsync(runId);
        return result.Outcome switch
        {
            RunCommandOutcome.Done => TypedResults.Ok(new { id = runId, purged = result.Purged }),
            RunCommandOutcome.UnknownRun => UnknownRun(request, runId),
            _ => Problem(request, StatusCodes.Status409Conflict, "Run in progress", result.Message),
        };
    }

    public async Task<IResult> RaiseEventAsync(HttpRequest request, string runId, string eventName, DurableTaskClient client)
    {
        if (RunClient.ReservedEvent(runId, eventName) is { } route)
            return Problem(request, StatusCodes.Status403Forbidden, route.Title, route.Detail);
        if (!EventName().IsMatch(eventName))
            return Problem(request, StatusCodes.Status400BadRequest, "Invalid event name", "Event names are 1–64 letters, digits, '-' or '_'.");
        var run = runs.Create(client);
        if (await run.GetAsync(runId) is not { } state) return UnknownRun(request, runId);
        if (state.IsEnded)
            return Problem(request, StatusCodes.Status409Conflict, "Run has ended", $"Run {runId} ended {state.RuntimeStatus}; it waits for no events.");
        var (body, problem) = await ReadBodyAsync<System.Text.Json.Nodes.JsonNode>(request, BodyLimit.Event);
        if (problem is not null) return problem;
        var result = await run.RaiseEventAsync(runId, eventName, body);
        return result.Outcome switch
        {
            RunCommandOutcome.Done => TypedResults.Accepted(links.Run(runId)),
            RunCommandOutcome.UnknownRun => UnknownRun(request, runId),
            _ => Problem(request, StatusCodes.Status409Conflict, "Run has ended", result.Message),
        };
    }

    /// <summary>
    /// A training worker without the durable hub wakes the run whose job it finished (<see cref="TrainingCompletions"/>): 202 when the
    /// event went out, 404 for a job the run never submitted, 409 while the job has not ended or after the run has.
    /// </summary>
    public async Task<IResult> TrainingCompletedAsync(HttpRequest request, string runId, string jobId, DurableTaskClient client)
    {
        var result = await trainingCompletions.RaiseAsync(runs.Create(client), runId, jobId, request.HttpContext.RequestAborted);
        return result.Outcome switch
        {
            RunCommandOutcome.Done => TypedResults.Accepted(links.Run(runId)),
            RunCommandOutcome.UnknownRun => Problem(request, StatusCodes.Status404NotFound, "Unknown training job", result.Message),
            _ => Problem(request, StatusCodes.Status409Conflict, "Training job or run in the wrong state", result.Message),
        };
    }

    /// <summary>
    /// The approval webhook: the token in the query authorises it (see <see cref="RunClient.DecideAsync"/>). It needs
    /// no key, so nothing is read before the token is checked: a wrong token, or a run that does not exist, gets the
    /// same 403 without its body being read; only a valid token lets the (small) body in.
    /// </summary>
    public async Task<IResult> ApproveAsync(HttpRequest request, string runId, DurableTaskClient client)
    {
        var token = request.Query["token"].FirstOrDefault();
        var run = runs.Create(client);
        switch (await run.CheckTokenAsync(runId, token, request.HttpContext.RequestAborted))
        {
            case ApprovalTokenCheck.Unknown: return Unread(request, InvalidApprovalToken(request));
            case ApprovalTokenCheck.Expired: return Unread(request, ExpiredApprovalToken(request, runId));
        }

        // The token is valid: now the body. The approval page posts a form (HTML answers, bound to the evidence it showed);
        // machines post JSON.
        if (ApiProblems.HasBody(request) && Pages.ApprovalForm.IsForm(request.ContentType))
            return await approvalPages.DecideAsync(request, runId, token!, run);
        var (body, problem) = await ReadBodyAsync<ApprovalBody>(request, BodyLimit.Approval);
        if (problem is not null) return problem;
        var errors = ValidateApproval(body);
        if (errors.Count > 0) return Invalid(request, errors);

        var decision = new ApprovalDecision(body!.Decision == "approve", body.Approver!.Trim(), body.Comment);
        var result = await run.DecideAsync(runId, token, decision);
        return result.Outcome switch
        {
            ApprovalOutcome.Accepted => TypedResults.Accepted(links.Run(runId), new ApprovalAccepted(runId, body.Decision!, decision.By, links.Run(runId))),
            ApprovalOutcome.UnknownRun or ApprovalOutcome.InvalidToken => InvalidApprovalToken(request),
            ApprovalOutcome.ExpiredToken => ExpiredApprovalToken(request, runId),
            ApprovalOutcome.AlreadyDecided => Problem(request, StatusCodes.Status409Conflict, "Already decided", result.Message),
            _ => Problem(request, StatusCodes.Status409Conflict, "Run is not waiting for approval", result.Message),
        };
    }

    private static IResult ExpiredApprovalToken(HttpRequest request, string runId) =>
        Problem(request, StatusCodes.Status403Forbidden, "Approval token expired",
            $"The approval window of run {runId} has closed; without a decision in time the run is rejected.");

    /// <summary>People's labelled samples for a run whose plan asked for them (see <see cref="RunClient.DemonstrateAsync"/>).</summary>
    public async Task<IResult> DemonstrateAsync(HttpRequest request, string runId, DurableTaskClient client)
    {
        var run = runs.Create(client);
        if (await run.GetAsync(runId) is null) return UnknownRun(request, runId);
        var (body, problem) = await ReadBodyAsync<DemonstrationsBody>(request, BodyLimit.Demonstrations);
        if (problem is not null) return problem;

        var result = await run.DemonstrateAsync(runId, body?.By ?? "", body?.Samples ?? []);
        return result.Outcome switch
        {
            DemonstrationOutcome.Accepted => TypedResults.Accepted(links.Run(runId),
                new DemonstrationsAccepted(runId, result.Received!.Attempt, result.Received.By, result.Received.Count, links.Run(runId))),
            DemonstrationOutcome.UnknownRun => UnknownRun(request, runId),
            DemonstrationOutcome.Invalid => Invalid(request, DemonstrationErrors(result.Problems ?? [result.Message])),
            _ => Problem(request, StatusCodes.Status409Conflict, "Run is not waiting for demonstrations", result.Message),
        };
    }

    /// <summary>
    /// Feedback on an answer: by request id (<c>{ "requestId", "label"?, "thumbsUp"?, "feedbackId"? }</c>: the text and the
    /// answer come from the traffic log; 404 for an id the log does not hold), or repeating the text and the prediction
    /// (<c>{ "text", "predicted", "label"?, "thumbsUp"?, "feedbackId"? }</c>). 201 with the stored item; 200 with the item stored
    /// first when the feedback id was used before.
    /// </summary>
    public async Task<IResult> FeedbackAsync(HttpRequest request, string agentId)
    {
        if (!agents.Contains(agentId)) return UnknownAgent(request, agentId, agents.AgentIds);
        var (body, problem) = await ReadBodyAsync<FeedbackBody>(request, BodyLimit.Feedback);
        if (problem is not null) return problem;
        var labels = agents.Get(agentId).Manifest.LabelNames.ToHashSet(StringComparer.Ordinal);
        var errors = new Dictionary<string, string[]>();
        if (body is null) errors["$"] = ["send a JSON object: { \"requestId\", \"label\"?, \"thumbsUp\"?, \"feedbackId\"? } or { \"text\", \"predicted\", \"label\"?, \"thumbsUp\"? }."];
        else if (body.RequestId is not null)
        {
            if (!Core.Traffic.RequestIds.TryParseTime(body.RequestId, out _))
                errors["$.requestId"] = [$"'{Shorten(body.RequestId)}' is not a request id: send the requestId a predict answer returned (e.g. '20250131T1200001234567-3f9a2c1b0000002a')."];
            if (body.Text is not null) errors["$.text"] = ["not with requestId: the text comes from the traffic log."];
            if (body.Predicted is not null) errors["$.predicted"] = ["not with requestId: the answer comes from the traffic log."];
            if (body.Label is null && body.ThumbsUp is null) errors["$"] = ["give label (the right intent) or thumbsUp (whether the answer was right)."];
        }
        else
        {
            CheckText(errors, "$.text", body.Text);
            if (string.IsNullOrWhiteSpace(body.Predicted)) errors["$.predicted"] = ["required without requestId: the intent the agent answered with (or send the requestId of the answer)."];
            else if (!labels.Contains(body.Predicted)) errors["$.predicted"] = [$"'{body.Predicted}' is not an intent of '{agentId}'."];
        }
        if (body?.Label is not null && !labels.Contains(body.Label)) errors["$.label"] = [$"'{body.Label}' is not an intent of '{agentId}'; omit it if unknown."];
        if (body?.FeedbackId is not null && !FeedbackIdPattern().IsMatch(body.FeedbackId))
            errors["$.feedbackId"] = ["1–128 letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. a UUID)."];
        if (errors.Count > 0) return Invalid(request, errors);

        var result = body!.RequestId is { } requestId
            ? await feedback.AppendForRequestAsync(agentId, requestId, body.Label, body.ThumbsUp, body.FeedbackId, request.HttpContext.RequestAborted)
            : await feedback.AppendAsync(agentId, body.Text!, body.Predicted!, body.Label, body.ThumbsUp, body.FeedbackId, request.HttpContext.RequestAborted);
        if (result.Outcome is FeedbackOutcome.UnknownRequest)
            return Problem(request, StatusCodes.Status404NotFound, "Unknown request id",
                $"Agent '{agentId}' logged no answer with request id '{body.RequestId}': send the requestId its predict answer returned " +
                "(answers are kept for the agent's traffic.retention; an erased subject's answers are gone).",
                new Dictionary<string, object?> { ["requestId"] = body.RequestId });
        var item = result.Item!;
        var accepted = new FeedbackAccepted(item.Id, agentId, item.ReceivedAt, item.KnownLabel, item.RequestId, item.Text, item.Predicted, item.VersionId, item.Arm);
        return result.Outcome is FeedbackOutcome.Repeated ? TypedResults.Ok(accepted) : TypedResults.Created((string?)null, accepted);
    }

    /// <summary>
    /// Answers <c>{ "text", "subject"? }</c> with one prediction, or <c>{ "inputs": [ { "text", "subject"? } ] }</c> (at most
    /// <see cref="MaxPredictInputs"/>) with <c>{ "results": [...] }</c> in input order; every answer has a request id and is logged.
    /// </summary>
    public async Task<IResult> PredictAsync(HttpRequest request, string agentId)
    {
        if (!agents.Contains(agentId)) return UnknownAgent(request, agentId, agents.AgentIds);
        var (body, problem) = await ReadBodyAsync<PredictBody>(request, BodyLimit.Predict);
        if (problem is not null) return problem;
        var errors = new Dictionary<string, string[]>();
        if (body?.Inputs is { } inputs)
        {
            if (body.Text is not null) errors["$.text"] = ["not with inputs: send one request as { \"text\" } or many as { \"inputs\": [...] }."];
            if (body.Subject is not null) errors["$.subject"] = ["not with inputs: give each input its own subject."];
            if (inputs.Count is 0 or > MaxPredictInputs) errors["$.inputs"] = [$"send 1 to {MaxPredictInputs} inputs; got {inputs.Count}."];
            for (var i = 0; i < Math.Min(inputs.Count, MaxPredictInputs); i++)
            {
                if (inputs[i] is null) { errors[$"$.inputs[{i}]"] = ["expected an object { \"text\", \"subject\"? }."]; continue; }
                CheckText(errors, $"$.inputs[{i}].text", inputs[i].Text);
                CheckSubject(errors, $"$.inputs[{i}].subject", inputs[i].Subject);
            }
        }
        else
        {
            CheckText(errors, "$.text", body?.Text);
            CheckSubject(errors, "$.subject", body?.Subject);
        }
        if (errors.Count > 0) return Invalid(request, errors);
        if (await router.ServingVersionAsync(agentId, request.HttpContext.RequestAborted) is null)
            return Problem(request, StatusCodes.Status409Conflict, "No serving version", $"Agent '{agentId}' has no model yet: train one ('selfimprove train').");

        var batch = body!.Inputs is { } many
            ? many.Select(i => new PredictInput(i.Text!.Trim(), i.Subject)).ToArray()
            : [new PredictInput(body.Text!.Trim(), body.Subject)];
        var answers = await router.PredictAsync(agentId, batch, request.HttpContext.RequestAborted);
        var results = answers.Select(a => new PredictionPayload(
            a.RequestId, a.Prediction.Intent, a.Prediction.Probability, a.Prediction.Margin, a.Prediction.RunnerUp, a.Action, a.VersionId, a.Arm)).ToArray();
        return body.Inputs is null ? TypedResults.Ok(results[0]) : TypedResults.Ok(new BatchPredictionPayload(results));
    }

    /// <summary>
    /// Erases everything kept about one subject of the agent: its logged answers, its feedback, and whatever else is
    /// registered as <see cref="ISubjectData"/> (e.g. labelling-queue items). 200 with the count erased per store.
    /// </summary>
    public async Task<IResult> EraseSubjectAsync(HttpRequest request, string agentId, string subject)
    {
        if (!agents.Contains(agentId)) return UnknownAgent(request, agentId, agents.AgentIds);
        var errors = new Dictionary<string, string[]>();
        CheckSubject(errors, "subject", subject);
        if (errors.Count > 0)
            return Problem(request, StatusCodes.Status400BadRequest, "Invalid subject", $"The subject in the path {errors["subject"][0]}");
        var erased = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var store in subjectData)
        {
            var name = store.GetType().Name;
            erased[name] = erased.GetValueOrDefault(name) + await store.EraseSubjectAsync(agentId, subject, request.HttpContext.RequestAborted);
        }
        return TypedResults.Ok(new SubjectErased(agentId, subject, erased));
    }

    public async Task<IResult> VersionsAsync(HttpRequest request, string agentId)
    {
        if (!agents.Contains(agentId)) return UnknownAgent(request, agentId, agents.AgentIds);
        var serving = await registry.GetServingAsync(agentId);
        var versions = (await registry.ListWithStatusAsync(agentId)).Select(r => new VersionPayload(
            r.Version.VersionId, r.Version.ParentVersionId, r.Version.CreatedAt, r.Version.CreatedBy, r.Version.TrainingSet.Count,
            r.Version.Evaluation.Overall.Accuracy, r.Status == VersionStatus.Serving, r.Status, r.Abandoned?.Reason)).ToArray();
        return TypedResults.Ok(new VersionsPayload(agentId, serving?.VersionId, serving?.PreviousVersionId, versions));
    }

    /// <summary>The agent's promotion ledger, newest first: every change of its serving version and every trial's end.</summary>
    public async Task<IResult> DeploymentsAsync(HttpRequest request, string agentId)
    {
        if (!agents.Contains(agentId)) return UnknownAgent(request, agentId, agents.AgentIds);
        return TypedResults.Ok(new DeploymentsPayload(agentId, await deployments.ListAsync(agentId, request.HttpContext.RequestAborted)));
    }

    /// <summary>
    /// Stops the agent's running A/B trial at once (query <c>by</c> and <c>reason</c>, both optional): the serving version
    /// answers everything from now on and the run rolls the candidate back at its next check. 404 when none runs.
    /// </summary>
    public async Task<IResult> StopTrialAsync(HttpRequest request, string agentId)
    {
        if (!agents.Contains(agentId)) return UnknownAgent(request, agentId, agents.AgentIds);
        var by = request.Query["by"].FirstOrDefault() is { Length: > 0 and <= 200 } who ? who : "api";
        var reason = request.Query["reason"].FirstOrDefault() is { Length: > 0 and <= 1000 } why ? why : "stopped over HTTP";
        var result = await trials.StopAsync(agentId, by, reason, request.HttpContext.RequestAborted);
        return result.Stopped
            ? TypedResults.Accepted(links.Run(result.RunId!), new TrialStoppedPayload(agentId, result.RunId!, result.Message))
            : Problem(request, StatusCodes.Status404NotFound, "No trial running", result.Message);
    }

    public async Task<IResult> RollbackAsync(HttpRequest request, string agentId, DurableTaskClient client)
    {
        if (!agents.Contains(agentId)) return UnknownAgent(request, agentId, agents.AgentIds);
        var result = await runs.Create(client).RollbackAsync(agentId);
        if (result.Outcome is RollbackOutcome.RolledBack) pointers.Invalidate(agentId);
        return result.Outcome switch
        {
            RollbackOutcome.RolledBack => TypedResults.Ok(new ServingPayload(agentId, result.Serving!.VersionId, result.Serving.PreviousVersionId, result.Serving.Reason)),
            RollbackOutcome.Busy when ServingRollback.IsRollbackHold(result.HeldBy) =>
                Problem(request, StatusCodes.Status409Conflict, "A rollback is in progress",
                    $"Another rollback of '{agentId}' ({result.HeldBy}) is changing the serving version; check GET versions, then try again if needed.",
                    new Dictionary<string, object?> { ["heldBy"] = result.HeldBy }),
            RollbackOutcome.Busy => Problem(request, StatusCodes.Status409Conflict, "A run is in progress",
                $"Run {result.HeldBy} may change the serving version; terminate it or wait for it before rolling back.",
                new Dictionary<string, object?> { ["runId"] = result.HeldBy }),
            _ => Problem(request, StatusCodes.Status409Conflict, "Nothing to roll back to", result.Message),
        };
    }

    private static RunStatusPayload StatusOf(RunSnapshot run) => new(
        run.RunId, run.AgentId, run.RuntimeStatus.ToString(), run.CreatedAt, run.LastUpdatedAt,
        run.Log.Count > 0 ? run.Log[^1].Phase : null, run.Report?.Attempts ?? (run.Log.Count > 0 ? run.Log.Max(e => e.Attempt) : 0),
        run.CandidateVersion, run.Report?.Metrics ?? run.Progress?.Metrics,
        run.WaitingForApproval, run.WaitingForApproval ? run.Progress!.ApprovalExpiresAt : null,
        run.WaitingForDemonstrations, run.Log, run.Report, run.Failure, run.IsEnded, run.OrchestrationVersion);

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

    private static void CheckSubject(Dictionary<string, string[]> errors, string path, string? subject)
    {
        if (subject is null) return;
        if (subject.Length is 0 or > MaxSubjectLength || subject.Any(char.IsControl) || string.IsNullOrWhiteSpace(subject))
            errors[path] = [$"must be 1–{MaxSubjectLength} characters without control characters (the caller's key of the person or session)."];
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex EventName();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex FeedbackIdPattern();
}
