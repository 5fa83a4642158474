using SelfImprove.Core.Models;
using SelfImprove.Core.Runs;
using SelfImprove.Core.Traffic;
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

/// <summary>
/// Body of <c>POST /api/agents/{agentId}/feedback</c>: either <c>{ "requestId", "label"?, "thumbsUp"?, "feedbackId"? }</c>
/// (the text and the answer come from the traffic log) or <c>{ "text", "predicted", "label"?, "thumbsUp"?, "feedbackId"? }</c>.
/// </summary>
/// <param name="RequestId">The <c>requestId</c> a predict answer returned.</param>
/// <param name="Text">Without a request id: the request text.</param>
/// <param name="Predicted">Without a request id: the intent the agent answered with.</param>
/// <param name="Label">The right intent, if known.</param>
/// <param name="ThumbsUp">The user's verdict on the answer.</param>
/// <param name="FeedbackId">The client's id of this feedback (1–128 letters, digits, '.', '_', '-'): sent again, it is stored once.</param>
public sealed record FeedbackBody(string? RequestId, string? Text, string? Predicted, string? Label, bool? ThumbsUp, string? FeedbackId);

/// <summary>A stored piece of feedback (201), or the one stored first for a repeated feedback id (200).</summary>
/// <param name="Id">The item's id: the feedback id when one was sent.</param>
/// <param name="Label">The intent the feedback establishes (the label, or the prediction confirmed by a thumbs-up); null when unknown.</param>
/// <param name="RequestId">The answer it is about, when sent by request id.</param>
/// <param name="Text">The request text as stored (from the traffic log for feedback by request id).</param>
/// <param name="Predicted">The intent the agent answered with.</param>
/// <param name="Version">The version that answered (feedback by request id).</param>
/// <param name="Arm">Serving version or trial candidate (feedback by request id).</param>
public sealed record FeedbackAccepted(
    string Id, string AgentId, DateTimeOffset ReceivedAt, string? Label, string? RequestId, string Text, string Predicted, string? Version, Arm? Arm);

/// <summary>Body of <c>POST /api/agents/{agentId}/predict</c>: <c>{ "text", "subject"? }</c>, or <c>{ "inputs": [ { "text", "subject"? } ] }</c>.</summary>
/// <param name="Text">One request's text (at most 1,000 characters).</param>
/// <param name="Subject">The caller's key of the person or session (at most 256 characters), kept for erasure.</param>
/// <param name="Inputs">Many requests at once (at most <see cref="ImprovementApi.MaxPredictInputs"/>).</param>
public sealed record PredictBody(string? Text, string? Subject, IReadOnlyList<PredictInputBody>? Inputs);

/// <summary>One request of a batch predict.</summary>
public sealed record PredictInputBody(string? Text, string? Subject);

/// <summary>One answer of <c>predict</c>.</summary>
/// <param name="RequestId">The answer's id in the traffic log: send it with feedback.</param>
/// <param name="Intent">The predicted intent.</param>
/// <param name="Probability">Its probability.</param>
/// <param name="Margin">Its probability minus the runner-up's.</param>
/// <param name="RunnerUp">The second most probable intent.</param>
/// <param name="Action">The action the intent is routed to.</param>
/// <param name="Version">The model version that answered.</param>
/// <param name="Arm"><c>serving</c>, or <c>candidate</c> while a trial sends this request to the candidate.</param>
public sealed record PredictionPayload(string RequestId, string Intent, double Probability, double Margin, string RunnerUp, string Action, string Version, Arm Arm);

/// <summary>The answers of a batch predict, in input order.</summary>
public sealed record BatchPredictionPayload(IReadOnlyList<PredictionPayload> Results);

/// <summary>What <c>DELETE /api/agents/{agentId}/subjects/{subject}</c> erased.</summary>
/// <param name="Erased">Records erased, per store (<c>TrafficLog</c>, <c>FeedbackLog</c>, …).</param>
public sealed record SubjectErased(string AgentId, string Subject, IReadOnlyDictionary<string, int> Erased);

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

/// <summary>The body of <c>GET /api/agents/{id}/deployments</c>: the promotion ledger, newest first.</summary>
public sealed record DeploymentsPayload(string AgentId, IReadOnlyList<Core.Deployment.DeploymentRecord> Deployments);

/// <summary>The body of <c>POST /api/agents/{id}/trial/stop</c>: whose trial was stopped and what follows.</summary>
public sealed record TrialStoppedPayload(string AgentId, string RunId, string Message);

public sealed record ServingPayload(string AgentId, string Serving, string? Previous, string Reason);

/// <summary>Body of <c>POST /api/runs/{runId}/demonstrations</c>: who demonstrates, and the labelled samples.</summary>
public sealed record DemonstrationsBody(string? By, IReadOnlyList<Workflows.Steps.DemonstratedSample>? Samples);

public sealed record DemonstrationsAccepted(string RunId, int Attempt, string By, int Samples, string StatusQueryGetUri);
