using SelfImprove.Core.Models;
using SelfImprove.Core.Runs;
using SelfImprove.Workflows.ImprovementRun;

namespace SelfImprove.Api.Http;

/// <summary>Optional body of a run start.</summary>
public sealed record StartRunBody(string? Reason);

/// <summary>A run as <c>GET /api/runs/{runId}</c> shows it.</summary>
/// <param name="RuntimeStatus">Durable runtime status: Pending, Running, Completed, Failed, Terminated, Suspended.</param>
/// <param name="Phase">The current phase.</param>
/// <param name="Report">When the run has finished: the object <c>selfimprove demo --json</c> prints.</param>
/// <param name="Failure">Why the orchestration failed, when it did.</param>
/// <param name="Ended">Completed, failed or terminated: nothing more will happen to the run.</param>
public sealed record RunStatusPayload(
    string Id,
    string? AgentId,
    string RuntimeStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    RunPhase? Phase,
    int Attempts,
    string? CandidateVersion,
    MetricsReport? Metrics,
    bool WaitingForApproval,
    DateTimeOffset? ApprovalExpiresAt,
    bool WaitingForDemonstrations,
    IReadOnlyList<PhaseEntry> Log,
    ImprovementReport? Report,
    string? Failure,
    bool Ended);

/// <summary>Body of the approval webhook.</summary>
/// <param name="Decision"><c>approve</c> or <c>reject</c>.</param>
public sealed record ApprovalBody(string? Decision, string? Approver, string? Comment);

public sealed record ApprovalAccepted(string RunId, string Decision, string Approver, string StatusQueryGetUri);

/// <summary>Body of <c>POST /api/agents/{agentId}/feedback</c>.</summary>
public sealed record FeedbackBody(string? Text, string? Predicted, string? Label, bool? ThumbsUp);

public sealed record FeedbackAccepted(string Id, string AgentId, DateTimeOffset ReceivedAt, string? Label);

public sealed record PredictBody(string? Text);

public sealed record PredictionPayload(string Intent, double Probability, double Margin, string RunnerUp, string Action, string Version);

/// <summary>One version in <c>GET /api/agents/{agentId}/versions</c>.</summary>
/// <param name="VersionId"><c>v1</c>, <c>v2</c>, …</param>
/// <param name="ParentVersionId">The version it was warm-started from; null for one trained from scratch.</param>
/// <param name="CreatedAt">When it was registered (UTC).</param>
/// <param name="CreatedBy">Who asked for it: <c>cli:train</c>, or the run id and attempt (<c>{runId}/attempt-{n}</c>).</param>
/// <param name="TrainingExamples">Examples it was trained on.</param>
/// <param name="EvaluationAccuracy">Accuracy on the agent's evaluation set (0–1).</param>
/// <param name="Serving">Whether it serves now (the same as <paramref name="Status"/> <c>serving</c>).</param>
/// <param name="Status"><c>candidate</c>, <c>serving</c>, <c>retired</c> (served once) or <c>abandoned</c> (its run was terminated or had ended).</param>
/// <param name="AbandonedReason">Why it was abandoned; null unless <paramref name="Status"/> is <c>abandoned</c>.</param>
public sealed record VersionPayload(
    string VersionId, string? ParentVersionId, DateTimeOffset CreatedAt, string CreatedBy, int TrainingExamples, double EvaluationAccuracy, bool Serving,
    VersionStatus Status, string? AbandonedReason);

public sealed record VersionsPayload(string AgentId, string? Serving, string? Previous, IReadOnlyList<VersionPayload> Versions);

public sealed record ServingPayload(string AgentId, string Serving, string? Previous, string Reason);

/// <summary>Body of <c>POST /api/runs/{runId}/demonstrations</c>: who demonstrates, and the labelled samples.</summary>
public sealed record DemonstrationsBody(string? By, IReadOnlyList<Workflows.Steps.DemonstratedSample>? Samples);

public sealed record DemonstrationsAccepted(string RunId, int Attempt, string By, int Samples, string StatusQueryGetUri);
