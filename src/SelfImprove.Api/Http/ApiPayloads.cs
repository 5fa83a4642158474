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
/// <param name="OrchestrationVersion">The run orchestrator version the run started on and keeps to its end (1, 2, …).</param>
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
    bool Ended,
    int OrchestrationVersion = 1);

/// <summary>Body of the approval webhook.</summary>
/// <param name="Decision"><c>approve</c> or <c>reject</c>.</param>
public sealed record ApprovalBody(string? Decision, string? Approver, string? Comment);

public sealed record ApprovalAccepted(string RunId, string Decision, string Approver, string StatusQueryGetUri);

/// <summary>Body of <c>POST /api/agents/{agentId}/feedback</c>.</summary>
public sealed record FeedbackBody(string? Text, string? Predicted, string? Label, bool? ThumbsUp);

public sealed record FeedbackAccepted(string Id, string AgentId, DateTimeOffset ReceivedAt, string? Label);

public sealed record PredictBody(string? Text);

public sealed record PredictionPayload(string Intent, double Probability, double Margin, string RunnerUp, string Action, string Version);

public sealed record VersionPayload(
    string VersionId, string? ParentVersionId, DateTimeOffset CreatedAt, string CreatedBy, int TrainingExamples, double EvaluationAccuracy, bool Serving);

public sealed record VersionsPayload(string AgentId, string? Serving, string? Previous, IReadOnlyList<VersionPayload> Versions);

public sealed record ServingPayload(string AgentId, string Serving, string? Previous, string Reason);

/// <summary>Body of <c>POST /api/runs/{runId}/demonstrations</c>: who demonstrates, and the labelled samples.</summary>
public sealed record DemonstrationsBody(string? By, IReadOnlyList<Workflows.Steps.DemonstratedSample>? Samples);

public sealed record DemonstrationsAccepted(string RunId, int Attempt, string By, int Samples, string StatusQueryGetUri);
