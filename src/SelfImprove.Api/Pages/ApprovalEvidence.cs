using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using SelfImprove.Core.Evaluation;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Models;
using SelfImprove.Core.Ports;
using SelfImprove.Core.Runs;
using SelfImprove.Runs;
using SelfImprove.Steps;
using SelfImprove.Storage;

namespace SelfImprove.Api.Pages;

/// <summary>
/// What a person sees before deciding a run: everything the approval page shows, and nothing that changes while the
/// run waits. Its <see cref="Hash"/> binds a decision to it.
/// </summary>
/// <param name="Goal">The manifest's goal metric and target (a share in [0, 1]).</param>
/// <param name="ExpiresAt">When the approval window closes (UTC); null before the run asked.</param>
/// <param name="Metrics">The goal metric on the held-out evaluation set: serving before and after the drift point, the candidate after it.</param>
/// <param name="CandidateArtifactSha256">SHA-256 (hex) of the candidate's ONNX model: the bytes that would serve.</param>
/// <param name="Candidate">The candidate's record in the model registry (its evaluation report and training set); null when missing.</param>
/// <param name="Serving">The serving version's record; null before any version serves.</param>
/// <param name="Alignment">What the alignment gate measured on the candidate, as stored (<c>AlignmentAssessment</c>: D in bits, V′, the serving V′, …); null when not stored.</param>
/// <param name="Usage">The run's LLM calls, tokens and cost so far.</param>
/// <param name="AnswerChanges">The serving version and the candidate on the same recent labelled requests, with a sample of changed answers; null when not stored.</param>
public sealed record ApprovalEvidence(
    string RunId,
    string AgentId,
    GoalSpec Goal,
    DateTimeOffset? ExpiresAt,
    MetricsReport? Metrics,
    string? CandidateVersionId,
    string? CandidateArtifactSha256,
    ModelVersion? Candidate,
    ModelVersion? Serving,
    JsonObject? Alignment,
    UsageReport Usage,
    AnswerChanges? AnswerChanges = null)
{
    /// <summary>
    /// SHA-256 (hex) of the evidence as JSON: the candidate's artefact hash is in it, so a retrained candidate, a changed
    /// report or other figures give another hash.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Hash => Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(this, StoreJson.Options)));

    /// <summary>Per intent: the serving version's F1, the candidate's, and the change (candidate − serving), on the evaluation set; manifest order.</summary>
    public IReadOnlyList<(string Intent, double? Serving, double Candidate, double Change)> F1Changes()
    {
        if (Candidate is null) return [];
        var serving = Serving?.Evaluation.Overall.PerIntent.ToDictionary(i => i.Intent, i => i.F1, StringComparer.Ordinal) ?? [];
        return Candidate.Evaluation.Overall.PerIntent
            .Select(i => (i.Intent, serving.TryGetValue(i.Intent, out var s) ? s : (double?)null, i.F1, i.F1 - (serving.TryGetValue(i.Intent, out var t) ? t : 0)))
            .ToArray();
    }

    /// <summary>
    /// The candidate's training examples by kind of source: the part of each provenance before its first ':'
    /// (<c>generator</c> and <c>file</c>: the pool; <c>people</c>: labelled by people; <c>teacher</c>: the teacher LLM;
    /// <c>feedback</c>: labelled traffic), with how many distinct origins (people, files, seeds, …) each kind has; largest first.
    /// </summary>
    public IReadOnlyList<(string Source, int Examples, int Origins)> TrainingSources()
    {
        if (Candidate is null) return [];
        static string Kind(string provenance) => provenance.Split(':', 2)[0];
        static string Origin(string provenance) => provenance.Split(':', 2) is [_, var rest] ? rest.Split('/', 2)[0] : "";
        return Candidate.TrainingSet.Provenance
            .GroupBy(p => Kind(p.Key), StringComparer.Ordinal)
            .Select(g => (g.Key, g.Sum(p => p.Value), g.Select(p => Origin(p.Key)).Distinct(StringComparer.Ordinal).Count()))
            .OrderByDescending(g => g.Item2).ThenBy(g => g.Key, StringComparer.Ordinal).ToArray();
    }

    /// <summary>The confusions (true → predicted) whose count changed most between the serving version and the candidate, largest change first.</summary>
    public IReadOnlyList<(string Actual, string Predicted, int Serving, int Candidate)> ConfusionChanges(int count)
    {
        if (Candidate is null) return [];
        static Dictionary<(string, string), int> Pairs(ClassificationReport? report) =>
            report?.Confusions.ToDictionary(c => (c.Actual, c.Predicted), c => c.Count) ?? [];
        var serving = Pairs(Serving?.Evaluation.Overall);
        var candidate = Pairs(Candidate.Evaluation.Overall);
        return serving.Keys.Union(candidate.Keys)
            .Select(k => (k.Item1, k.Item2, serving.GetValueOrDefault(k), candidate.GetValueOrDefault(k)))
            .Where(c => c.Item3 != c.Item4)
            .OrderByDescending(c => Math.Abs(c.Item4 - c.Item3)).ThenBy(c => c.Item1, StringComparer.Ordinal).ThenBy(c => c.Item2, StringComparer.Ordinal)
            .Take(count).ToArray();
    }
}

/// <summary>Gathers a run's <see cref="ApprovalEvidence"/> from the run's status, the model registry, the store and the usage ledger.</summary>
public sealed class ApprovalEvidenceReader(AgentCatalog agents, IModelRegistry registry, IArtifactStore store, RunLedger ledger)
{
    public async Task<ApprovalEvidence> ReadAsync(RunSnapshot run, CancellationToken cancellationToken = default)
    {
        var agentId = run.AgentId ?? throw new InvalidOperationException($"Run {run.RunId} names no agent.");
        var manifest = agents.Get(agentId).Manifest;
        var candidateId = run.CandidateVersion;
        var candidate = candidateId is null ? null : await registry.GetAsync(agentId, candidateId, cancellationToken);
        var artifactHash = candidate is null ? null
            : Convert.ToHexStringLower(SHA256.HashData((await registry.ReadArtifactsAsync(agentId, candidate.VersionId, cancellationToken)).Onnx));
        var servingId = (await registry.GetServingAsync(agentId, cancellationToken))?.VersionId;
        var serving = servingId is null || servingId == candidateId ? null : await registry.GetAsync(agentId, servingId, cancellationToken);
        JsonObject? alignment = null;
        if (candidateId is not null && await store.ReadAsync(StoreLayout.VersionAlignment(agentId, candidateId), cancellationToken) is { } json)
            alignment = JsonNode.Parse(json) as JsonObject;
        AnswerChanges? changes = null;
        if (candidateId is not null && await store.ReadAsync(StoreLayout.VersionAnswerChanges(agentId, candidateId), cancellationToken) is { } changed)
            changes = StoreJson.Deserialize<AnswerChanges>(changed, StoreLayout.VersionAnswerChanges(agentId, candidateId));
        var usage = await ledger.UsageAsync(run.RunId, agentId, cancellationToken);
        return new ApprovalEvidence(run.RunId, agentId, manifest.Goal, run.Progress?.ApprovalExpiresAt,
            run.Report?.Metrics ?? run.Progress?.Metrics, candidateId, artifactHash, candidate, serving, alignment, usage, changes);
    }
}
