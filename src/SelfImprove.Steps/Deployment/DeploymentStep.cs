using SelfImprove.Core.Deployment;
using SelfImprove.Core.Statistics;
using SelfImprove.Core.Traffic;
using SelfImprove.Workflows.Steps;
using SelfImprove.Storage;

namespace SelfImprove.Steps;

/// <summary>
/// The A/B trial on live traffic: while it runs, <c>agents/{id}/trial.json</c> tells the <see cref="ServingRouter"/> to
/// send the manifest's share of requests to the candidate; the serving version answers the rest throughout. Each
/// check scores both arms on the answers logged since the trial started and the labelled feedback on them.
/// </summary>
/// <remarks>
/// Every promotion and every rollback of a run whose trial started is recorded once in the promotion ledger
/// (<see cref="DeploymentLedger"/>, key <c>run-{runId}</c>) with the trial's deciding statistics and the run's approval.
/// </remarks>
public sealed class DeploymentStep(LoopContext loop, RunLedger ledger, ServingPointers pointers, TimeProvider clock, DeploymentLedger deployments,
    ApprovalTokens approvals) : IDeploymentStep
{
    public async Task StartTrialAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default)
    {
        await EnsureHoldsLockAsync(runId, agentId, "start an A/B trial", cancellationToken);
        // A replayed start keeps the first start's time, so the arms are counted from when traffic first split.
        if (await ReadTrialAsync(agentId, cancellationToken) is { } running && running.RunId == runId && running.CandidateVersionId == candidateVersionId) return;
        var manifest = loop.Agents.Get(agentId).Manifest;
        var servingId = await loop.ServingVersionAsync(agentId, cancellationToken);
        var trial = new TrialState(runId, candidateVersionId, servingId, manifest.Deployment.ShareAt(0), clock.GetUtcNow());
        await loop.Store.WriteAsync(StoreLayout.Trial(agentId), StoreJson.Serialize(trial), cancellationToken);
        pointers.Invalidate(agentId);
    }

    public async Task<TrialCheck> CheckTrialAsync(string runId, string agentId, string candidateVersionId, bool final, CancellationToken cancellationToken = default)
    {
        var entry = loop.Agents.Get(agentId);
        var manifest = entry.Manifest;
        // A person stopped the trial (its routing is already gone): this check rolls back with their reason.
        var stop = await TrialStopper.ReadAsync(loop.Store, runId, cancellationToken);
        var versioned = stop is null ? await loop.Store.ReadVersionedAsync(StoreLayout.Trial(agentId), cancellationToken) : null;
        var trial = stop?.Trial ?? (versioned is null ? null : StoreJson.Deserialize<TrialState>(versioned.Content, StoreLayout.Trial(agentId)));
        if (trial is null || trial.RunId != runId)
            throw new InvalidOperationException($"Run {runId} has no A/B trial running for agent '{agentId}' (it was ended or replaced).");

        // The current step's answers (the whole trial's without a ramp) and the labelled feedback on them.
        var (answers, labels) = await AnswersSinceAsync(agentId, trial.CountsFrom, cancellationToken);

        var constitution = entry.Loaded.Constitution;
        var intentActions = manifest.Labels.ToDictionary(l => l.Name, l => l.Action, StringComparer.Ordinal);
        bool Forbidden(LoggedRequest answer)
        {
            var allowed = constitution.AllowedActions(labels[answer.RequestId]);
            return !allowed.Contains(Core.Alignment.Constitution.AnyAction) && !allowed.Contains(answer.Action);
        }
        ArmResult Arm(string versionId, Arm arm)
        {
            var routed = answers.Where(a => a.Arm == arm && a.VersionId == versionId).ToArray();
            var scored = routed.Where(a => labels.ContainsKey(a.RequestId)).ToArray();
            var (distance, variance) = TrialGuardrails.MeanAndVariance(scored
                .Select(a => TrialGuardrails.Surprisal(constitution.AllowedActions(labels[a.RequestId]), intentActions, a.TopK, manifest.Alignment.Epsilon))
                .ToArray());
            return new ArmResult(versionId, routed.Length, scored.Length, scored.Count(a => a.Intent == labels[a.RequestId]))
            {
                Forbidden = scored.Count(Forbidden),
                P95LatencyMs = TrialGuardrails.P95(routed.Select(a => a.LatencyMs).ToArray()),
                Distance = distance,
                DistanceVariance = variance,
            };
        }
        var (candidate, serving) = (Arm(candidateVersionId, Core.Traffic.Arm.Candidate), Arm(trial.ServingVersionId, Core.Traffic.Arm.Serving));
        var deployment = manifest.Deployment;
        var lastStep = trial.Step >= deployment.Steps - 1;
        var look = PromotionPolicy.Look(deployment, manifest.Goal, candidate, serving, final, manifest.Alignment.MaxDistance, lastStep,
            Paired(answers, labels, candidateVersionId, trial.ServingVersionId));
        // The share the candidate had at this step (the manifest's candidateShare, or the ramp's step).
        if (look.Outcome is { } outcome) look = look with { Outcome = outcome with { CandidateShare = trial.CandidateShare } };
        if (stop is not null)
            look = new TrialLook(look.Statistics, new TrialOutcome(TrialDecision.Rollback, trial.CandidateShare, candidate, serving,
                $"the trial was stopped by {stop.By} at {stop.At:u}: {stop.Reason}") { Statistics = look.Statistics });
        var step = deployment.Ramp.Count == 0 ? null : $"ramp step {trial.Step + 1} of {deployment.Steps} at {trial.CandidateShare:0.##%} of traffic";
        if (look.Advance && versioned is not null)
            step = await AdvanceAsync(agentId, trial, versioned.Version, deployment, cancellationToken) ?? step;
        // Kept for the ledger: the promotion or rollback that follows records the deciding check's statistics.
        if (look.Outcome is { } decided) await loop.Store.WriteAsync(StoreLayout.TrialOutcome(runId), StoreJson.Serialize(decided), cancellationToken);
        return new TrialCheck(look.Outcome, look.Statistics) { Step = step };
    }

    /// <summary>
    /// Both versions' answers to the same labelled requests: each arm's answer and the other version's shadow answer
    /// (<see cref="LoggedRequest.ShadowIntent"/>). Null when some labelled answer of the trial has no shadow answer (logged
    /// by a router before shadow scoring), so the trial falls back to the unpaired test on each arm's own answers.
    /// </summary>
    private static PairedCount? Paired(IReadOnlyList<LoggedRequest> answers, IReadOnlyDictionary<string, string> labels, string candidateId, string servingId)
    {
        int pairs = 0, onlyCandidate = 0, onlyServing = 0;
        foreach (var answer in answers)
        {
            if (!labels.TryGetValue(answer.RequestId, out var label)) continue;
            var byCandidate = answer.Arm == Core.Traffic.Arm.Candidate && answer.VersionId == candidateId;
            var byServing = answer.Arm == Core.Traffic.Arm.Serving && answer.VersionId == servingId;
            if (!byCandidate && !byServing) continue; // not one of this trial's arms (scored by neither)
            if (answer.ShadowIntent is null || answer.ShadowVersionId != (byCandidate ? servingId : candidateId)) return null;
            var (candidateIntent, servingIntent) = byCandidate ? (answer.Intent, answer.ShadowIntent) : (answer.ShadowIntent, answer.Intent);
            pairs++;
            var (c, s) = (candidateIntent == label, servingIntent == label);
            if (c && !s) onlyCandidate++;
            else if (s && !c) onlyServing++;
        }
        return pairs == 0 ? null : new PairedCount(pairs, onlyCandidate, onlyServing);
    }

    /// <summary>
    /// Moves a staged rollout to its next step: the router sends the next share to the candidate and the next check counts
    /// from now. If-Match the state read, so a trial ended (or stopped) meanwhile is not brought back; a check retried
    /// after its first delivery advanced finds the new step and tests it afresh (a step is never skipped). Returns the
    /// progress line, or null when the trial changed meanwhile.
    /// </summary>
    private async Task<string?> AdvanceAsync(string agentId, TrialState trial, string version, Core.Manifests.DeploymentSpec deployment, CancellationToken cancellationToken)
    {
        var next = trial with { Step = trial.Step + 1, CandidateShare = deployment.ShareAt(trial.Step + 1), StepStartedAt = clock.GetUtcNow() };
        if (await loop.Store.WriteIfVersionAsync(StoreLayout.Trial(agentId), StoreJson.Serialize(next), version, cancellationToken) is null) return null;
        pointers.Invalidate(agentId);
        return $"ramp step {trial.Step + 1} of {deployment.Steps} passed: the candidate now answers {next.CandidateShare:0.##%} of traffic (step {next.Step + 1})";
    }

    public async Task<string> PromoteAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default)
    {
        await EnsureHoldsLockAsync(runId, agentId, "promote its candidate", cancellationToken);
        var outcome = await ReadOutcomeAsync(runId, cancellationToken);
        var previous = (await ReadTrialAsync(agentId, cancellationToken)) is { } trial && trial.RunId == runId ? trial.ServingVersionId : outcome?.Serving.VersionId;
        // A replayed promotion must not make the candidate its own "previous" version.
        var serving = await loop.Registry.GetServingAsync(agentId, cancellationToken);
        if (serving?.VersionId != candidateVersionId)
        {
            previous = serving?.VersionId ?? previous;
            var loaded = loop.Agents.Get(agentId).Loaded;
            await loop.Registry.SetServingAsync(agentId, candidateVersionId,
                $"promoted by run {runId} after its A/B trial; alignment thresholds version {loaded.Manifest.Alignment.Version}, constitution version {loaded.Constitution.Version}",
                cancellationToken);
        }
        // After the change, so a promotion that failed is never recorded; a retry after a crash here finds the candidate
        // serving and records it then.
        await deployments.RecordAsync(agentId, $"run-{runId}", new DeploymentRecord(DeploymentChange.Promoted, clock.GetUtcNow(), candidateVersionId, previous,
            candidateVersionId, runId, outcome?.Statistics, await ApprovalAsync(runId, cancellationToken),
            outcome?.Reason ?? "promoted after its A/B trial", "run") { Alignment = await JudgedUnderAsync(agentId, candidateVersionId, cancellationToken) }, cancellationToken);
        await EndTrialAsync(runId, agentId, cancellationToken);
        return candidateVersionId;
    }

    public async Task<string> RollbackAsync(string runId, string agentId, string candidateVersionId, CancellationToken cancellationToken = default)
    {
        var serving = await loop.ServingVersionAsync(agentId, cancellationToken);
        // Recorded before the trial ends (a retry after a crash in between still finds the trial), and only for a run
        // whose trial started: a run that failed before its trial changed nothing.
        var outcome = await ReadOutcomeAsync(runId, cancellationToken);
        var trial = await ReadTrialAsync(agentId, cancellationToken);
        if (outcome is not null || trial?.RunId == runId)
            await deployments.RecordAsync(agentId, $"run-{runId}", new DeploymentRecord(DeploymentChange.RolledBack, clock.GetUtcNow(), serving, serving,
                candidateVersionId, runId, outcome?.Statistics, await ApprovalAsync(runId, cancellationToken),
                outcome?.Reason ?? "the run ended before its trial decided (it was terminated or a step kept failing)", "run")
                { Alignment = await JudgedUnderAsync(agentId, candidateVersionId, cancellationToken) }, cancellationToken);
        await EndTrialAsync(runId, agentId, cancellationToken);
        return serving;
    }

    public async Task<BakeCheck> CheckBakeAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var deployment = loop.Agents.Get(agentId).Manifest.Deployment;
        if (deployment.BakeTime <= TimeSpan.Zero) return new BakeCheck(BakeState.NotBaking, null, "deployment.bakeTime is 0: no watch after promotion.");
        // The latest change of the serving version (a lost trial's record changed nothing).
        var latest = (await deployments.ListAsync(agentId, cancellationToken)).FirstOrDefault(r => r.Change is not DeploymentChange.RolledBack);
        if (latest is not { Change: DeploymentChange.Promoted, RunId: { } runId })
            return new BakeCheck(BakeState.NotBaking, null, "The agent's latest deployment change is not a promotion after a trial.");
        var version = latest.ServingVersionId;
        var now = clock.GetUtcNow();
        if (now - latest.At > deployment.BakeTime)
            return new BakeCheck(BakeState.Baked, version, $"{version} was promoted at {latest.At:u}, more than deployment.bakeTime ({deployment.BakeTime}) ago.");
        if (await ReadOutcomeAsync(runId, cancellationToken) is not { Candidate.Samples: > 0 } trial)
            return new BakeCheck(BakeState.NotBaking, version, $"Run {runId}'s trial left no labelled answers of {version} to compare with.");

        // The promoted version's own labelled answers since its promotion.
        var (answers, labels) = await AnswersSinceAsync(agentId, latest.At, cancellationToken);
        var scored = answers.Where(a => a.VersionId == version && labels.ContainsKey(a.RequestId)).ToArray();
        if (scored.Length == 0)
            return new BakeCheck(BakeState.Baking, version, $"{version} has no labelled answers since its promotion at {latest.At:u} yet.");

        var (bounds, drop) = BakePolicy.Judge(deployment, trial.Candidate, new BernoulliCount(scored.Length, scored.Count(a => a.Intent == labels[a.RequestId])));
        if (drop is null)
            return new BakeCheck(BakeState.Baking, version,
                $"{version} baking until {latest.At + deployment.BakeTime:u}: live − trial {bounds.Estimate:+0.000;−0.000;0.000} [{bounds.Lower:+0.000;−0.000;0.000}, {bounds.Upper:+0.000;−0.000;0.000}] on {scored.Length} labelled answers");
        var rolledBack = await new ServingRollback(ledger, loop.Registry, deployments).RollbackAsync(agentId, "bake", cancellationToken,
            DeploymentChange.BakeRollback, drop);
        pointers.Invalidate(agentId);
        return rolledBack.Outcome switch
        {
            RollbackOutcome.RolledBack => new BakeCheck(BakeState.RolledBack, version, rolledBack.Message),
            RollbackOutcome.Busy => new BakeCheck(BakeState.Busy, version, $"{drop}; not rolled back yet: {rolledBack.Message}"),
            _ => new BakeCheck(BakeState.NotBaking, version, $"{drop}; {rolledBack.Message}"),
        };
    }

    /// <summary>The answers logged since <paramref name="since"/> and the known label of each that got labelled feedback, by request id.</summary>
    private async Task<(IReadOnlyList<LoggedRequest> Answers, Dictionary<string, string> Labels)> AnswersSinceAsync(
        string agentId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var answers = await loop.Traffic.ReadAsync(agentId, since, clock.GetUtcNow().AddTicks(1), cancellationToken);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in await loop.Feedback.SinceAsync(agentId, since, cancellationToken))
            if (item.RequestId is { } id && item.KnownLabel is { } label) labels.TryAdd(id, label);
        return (answers, labels);
    }

    private async Task<TrialOutcome?> ReadOutcomeAsync(string runId, CancellationToken cancellationToken)
    {
        var name = StoreLayout.TrialOutcome(runId);
        return await loop.Store.ReadAsync(name, cancellationToken) is { } json ? StoreJson.Deserialize<TrialOutcome>(json, name) : null;
    }

    /// <summary>The versions of the rules the alignment gate judged the candidate under (its stored verdict); null when it has none.</summary>
    private async Task<Core.Deployment.JudgedUnder?> JudgedUnderAsync(string agentId, string candidateVersionId, CancellationToken cancellationToken)
    {
        var name = StoreLayout.VersionAlignment(agentId, candidateVersionId);
        return await loop.Store.ReadAsync(name, cancellationToken) is { } json
            && StoreJson.Deserialize<Core.Alignment.AlignmentAssessment>(json, name) is { } verdict
            ? new Core.Deployment.JudgedUnder(verdict.ThresholdsVersion, verdict.ConstitutionVersion, verdict.Passed)
            : null;
    }

    private async Task<Core.Runs.ApprovalReport?> ApprovalAsync(string runId, CancellationToken cancellationToken) =>
        await approvals.DecisionAsync(runId, cancellationToken) is { } recorded
            ? new Core.Runs.ApprovalReport(recorded.TimedOut ? Core.Runs.ApprovalVerdict.TimedOut
                : recorded.Decision.Approved ? Core.Runs.ApprovalVerdict.Approved : Core.Runs.ApprovalVerdict.Rejected, recorded.TimedOut ? null : recorded.Decision.By)
            : new Core.Runs.ApprovalReport(Core.Runs.ApprovalVerdict.NotRequired, null);

    /// <summary>
    /// Deletes the trial only if it is this run's, If-Match the version read: a late rollback of an old run must not end
    /// a newer run's trial, not even one written between the check and the delete. The router sees the change at once.
    /// </summary>
    private async Task EndTrialAsync(string runId, string agentId, CancellationToken cancellationToken)
    {
        var name = StoreLayout.Trial(agentId);
        if (await loop.Store.ReadVersionedAsync(name, cancellationToken) is { } trial && StoreJson.Deserialize<TrialState>(trial.Content, name).RunId == runId)
            await loop.Store.DeleteIfVersionAsync(name, trial.Version, cancellationToken);
        pointers.Invalidate(agentId);
    }

    private async Task<TrialState?> ReadTrialAsync(string agentId, CancellationToken cancellationToken)
    {
        var json = await loop.Store.ReadAsync(StoreLayout.Trial(agentId), cancellationToken);
        return json is null ? null : StoreJson.Deserialize<TrialState>(json, StoreLayout.Trial(agentId));
    }

    /// <summary>
    /// A terminated run's queued activities still run once: they must not touch live traffic. Only the run that holds
    /// the agent's lock may start a trial or promote.
    /// </summary>
    private async Task EnsureHoldsLockAsync(string runId, string agentId, string what, CancellationToken cancellationToken)
    {
        if ((await ledger.RunningAsync(agentId, cancellationToken))?.RunId != runId)
            throw new InvalidOperationException($"Run {runId} no longer holds agent '{agentId}' (terminated or released), so it may not {what}.");
    }
}
