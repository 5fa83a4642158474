using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using SelfImprove.Core.Traffic;
using SelfImprove.Runs;
using SelfImprove.Steps;
using static SelfImprove.Api.Http.ApiProblems;

namespace SelfImprove.Api.Http;

/// <summary>One open item of the labelling queue, as <c>GET /api/agents/{id}/labelling</c> lists it.</summary>
/// <param name="ItemId">What to post the label to: <c>POST /api/agents/{id}/labelling/{itemId}</c> (the logged request's id).</param>
/// <param name="Text">The request as logged (redacted when the agent's log redacts).</param>
/// <param name="Guesses">The model's top intents with their probabilities in [0, 1], most likely first.</param>
/// <param name="Suggested">The feedback agent's guess, when it had one.</param>
/// <param name="Reason">Why it was picked and why a person is asked.</param>
public sealed record LabellingItemPayload(
    string ItemId, string Text, IReadOnlyList<IntentProbability> Guesses, string? Suggested, string Reason, string RunId, int Attempt, DateTimeOffset QueuedAt);

/// <summary>The open items (oldest first) and the agent's intents to choose from.</summary>
public sealed record LabellingPayload(string AgentId, int Open, IReadOnlyList<string> Labels, IReadOnlyList<LabellingItemPayload> Items);

/// <summary>Body of <c>POST /api/agents/{id}/labelling/{itemId}</c>.</summary>
public sealed record LabelBody(string? Label, string? By);

/// <summary>A label recorded.</summary>
public sealed record LabelAccepted(string ItemId, string AgentId, string Label, string By, DateTimeOffset At);

public sealed partial class ImprovementApi
{
    /// <summary>Most open items one listing returns (<c>?limit=</c>, default 50).</summary>
    public const int MaxLabellingItems = 500;

    /// <summary><c>GET /api/agents/{id}/labelling[?limit=N]</c>: the open items of the agent's labelling queue, oldest first.</summary>
    public async Task<IResult> LabellingAsync(HttpRequest request, string agentId, DurableTaskClient client)
    {
        if (!agents.Contains(agentId)) return UnknownAgent(request, agentId, agents.AgentIds);
        var limit = 50;
        if (request.Query["limit"].FirstOrDefault() is { } given && (!int.TryParse(given, out limit) || limit < 1 || limit > MaxLabellingItems))
            return Invalid(request, new Dictionary<string, string[]> { ["limit"] = [$"must be a whole number from 1 to {MaxLabellingItems}; got '{given}'."] });
        var open = await runs.Create(client).OpenLabellingAsync(agentId, limit, request.HttpContext.RequestAborted);
        var items = open.Select(i => new LabellingItemPayload(i.ItemId, i.Text, i.Guesses, i.Suggested, i.Reason, i.RunId, i.Attempt, i.QueuedAt)).ToArray();
        return TypedResults.Ok(new LabellingPayload(agentId, items.Length, agents.Get(agentId).Manifest.LabelNames, items));
    }

    /// <summary>
    /// <c>POST /api/agents/{id}/labelling/{itemId}</c> with <c>{ "label", "by" }</c>: records a person's label once.
    /// 201 with the label; 404 for an unknown agent or item; 409 (with the standing label) when the item was answered already.
    /// </summary>
    public async Task<IResult> LabelAsync(HttpRequest request, string agentId, string itemId, DurableTaskClient client)
    {
        if (!agents.Contains(agentId)) return UnknownAgent(request, agentId, agents.AgentIds);
        var (body, problem) = await ReadBodyAsync<LabelBody>(request, BodyLimit.Label);
        if (problem is not null) return problem;
        var labels = agents.Get(agentId).Manifest.LabelNames;
        var errors = new Dictionary<string, string[]>();
        if (body is null) errors["$"] = ["send { \"label\": \"<one of the agent's intents>\", \"by\": \"<who labels>\" }."];
        else
        {
            if (string.IsNullOrWhiteSpace(body.Label)) errors["$.label"] = ["required: the request's intent."];
            else if (!labels.Contains(body.Label)) errors["$.label"] = [$"'{body.Label}' is not an intent of '{agentId}'; GET {ApiRoutes.Prefix}/agents/{agentId}/labelling lists them."];
            if (string.IsNullOrWhiteSpace(body.By) || body.By.Trim().Length > 100) errors["$.by"] = ["required: who labels (1–100 characters)."];
        }
        if (errors.Count > 0) return Invalid(request, errors);

        var result = await runs.Create(client).LabelAsync(agentId, itemId, body!.Label!, body.By!.Trim(), request.HttpContext.RequestAborted);
        return result.Outcome switch
        {
            AnswerOutcome.Recorded => TypedResults.Created((string?)null, new LabelAccepted(itemId, agentId, result.Answer!.Label, result.Answer.By, result.Answer.At)),
            AnswerOutcome.AlreadyAnswered => Problem(request, StatusCodes.Status409Conflict, "Already labelled",
                $"Item '{itemId}' of '{agentId}' was labelled '{result.Answer?.Label}' by {result.Answer?.By} at {result.Answer?.At:u}; the first label stands.",
                new Dictionary<string, object?> { ["label"] = result.Answer?.Label, ["by"] = result.Answer?.By }),
            _ => Problem(request, StatusCodes.Status404NotFound, "No such labelling item",
                $"Agent '{agentId}' has no item '{itemId}' in its labelling queue; GET {ApiRoutes.Prefix}/agents/{agentId}/labelling lists the open ones."),
        };
    }
}
