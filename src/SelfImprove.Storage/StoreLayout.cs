using System.Security.Cryptography;
using SelfImprove.Core.Runs;

namespace SelfImprove.Storage;

/// <summary>How a name in the store is written.</summary>
public enum WriteMode
{
    /// <summary>Created only if absent (<c>TryCreateAsync</c>): the first writer wins and the blob is never rewritten.</summary>
    CreateOnce,

    /// <summary>Written with <c>WriteAsync</c>: the last writer wins; readers see the old or the new content.</summary>
    Overwrite,

    /// <summary>Each write creates a new name (created once); nothing makes a repeated write a no-op.</summary>
    Append,

    /// <summary>
    /// Created only if absent to claim something for one writer; the holder (or one taking over an abandoned claim)
    /// may rewrite it, and deleting it releases the claim.
    /// </summary>
    Claim,
}

/// <summary>One name (or family of names) of the store, as <c>docs/store-layout.md</c> lists it.</summary>
/// <param name="Template">The name with its variable parts in braces, formatted as the code formats them (e.g. <c>{batch:D4}</c>).</param>
/// <param name="Holds">What the blob holds (its shape) and who reads it.</param>
/// <param name="WrittenBy">The class that writes (and deletes) it.</param>
/// <param name="Mode">How it is written.</param>
/// <param name="ReplayKey">What makes a repeated write (a replayed activity, a retried request) a no-op.</param>
public sealed record StoreLayoutEntry(string Template, string Holds, string WrittenBy, WriteMode Mode, string ReplayKey);

/// <summary>
/// Every name in the artefact store (<see cref="Core.Ports.IArtifactStore"/>): nothing else builds one.
/// The names are what stores already hold, so they never change; <see cref="Entries"/> describes each one
/// (and <c>docs/store-layout.md</c> is generated from it).
/// </summary>
public static class StoreLayout
{
    // ----- agents/{agentId}/: runs -----

    /// <summary>
    /// The agent's run lock: JSON <c>{ runId, takenAt, purpose }</c> (stores written before hold just the run id as a JSON string).
    /// Held by a run, or briefly by an operation that must not overlap one (<c>purpose</c> <c>rollback</c>, its id
    /// <c>rollback-{12 hex}</c> in <c>runId</c>). Written by <c>RunLedger</c>: created only if absent, so of two starts (or a
    /// start and a rollback) only one wins; its holder rewrites it (If-Match its version) while it moves past a run number
    /// already used; deleted (If-Match the version read) when the run closes or is released, so a stale delete never
    /// removes a lock another run took in between. Replay key: (agent).
    /// </summary>
    public static string RunLock(string agentId) => $"agents/{agentId}/run.lock";

    /// <summary>Lists the agent's run records (<see cref="RunRecord"/>); their count gives the next run number.</summary>
    public static string RunRecordsPrefix(string agentId) => $"agents/{agentId}/runs/";

    /// <summary>
    /// Run number <paramref name="number"/> of the agent (run id <c>{agentId}-{number}</c>): JSON <c>{ runId, reason, manual, openedAt }</c>.
    /// Written by <c>RunLedger</c> (on start, or on release for a run that died before writing it); create-once. Replay key: (agent, number).
    /// </summary>
    public static string RunRecord(string agentId, int number) => $"{RunRecordsPrefix(agentId)}{number}.json";

    /// <summary>
    /// Records that a dead run's lock (or an abandoned hold) was released: the JSON time of release. Written by <c>RunLedger</c>;
    /// create-once. Which caller releases is decided by the lock's conditional delete, not by this record. Replay key: (agent, run).
    /// </summary>
    public static string RunReleased(string agentId, string runId) => $"agents/{agentId}/released/{runId}.json";

    /// <summary>
    /// The agent's last closed run, for the trigger's cooldown: JSON <c>{ runId, status, endedAt }</c>. Written by <c>RunLedger</c>
    /// (overwritten), only by the close that created the run's report, so a replayed close does not move it. Replay key: (run), through <see cref="RunReport"/>.
    /// </summary>
    public static string LastRun(string agentId) => $"agents/{agentId}/last-run.json";

    // ----- agents/{agentId}/: what runs produced -----

    /// <summary>Lists every curated batch of the agent's runs (<see cref="Batch"/>).</summary>
    public static string BatchesPrefix(string agentId) => $"agents/{agentId}/batches/";

    /// <summary>
    /// One attempt's curated training batch: <c>StoredBatch</c> <c>{ summary, labelledRequests, examples }</c>; later runs train on it.
    /// Written by <c>DataGenerationStep</c>; create-once, a replay returns the stored batch. Replay key: (run, attempt).
    /// </summary>
    public static string Batch(string agentId, string runId, int attempt) => $"{BatchesPrefix(agentId)}{runId}.attempt-{attempt}.json";

    /// <summary>The attempt of run <paramref name="runId"/> whose <see cref="Batch"/> is <paramref name="name"/>; null for another run's batch.</summary>
    public static int? BatchAttempt(string agentId, string runId, string name)
    {
        var prefix = BatchesPrefix(agentId) + runId + ".attempt-";
        return name.StartsWith(prefix, StringComparison.Ordinal) ? int.Parse(name.AsSpan(prefix.Length, name.Length - prefix.Length - ".json".Length)) : null;
    }

    /// <summary>Lists the agent's labelling queue items (<see cref="LabellingItem"/>).</summary>
    public static string LabellingItemsPrefix(string agentId) => $"agents/{agentId}/labelling/items/";

    /// <summary>
    /// One logged request waiting for a person's label: <c>LabellingItem</c> <c>{ itemId, agentId, text, guesses, suggested, reason,
    /// runId, attempt, queuedAt, subject }</c>. Written by <c>LabellingQueue</c> when a teacher batch leaves the request for people;
    /// create-once, so a request is queued once however many runs pick it; deleted only by a subject's erasure. Replay key: (agent, request).
    /// </summary>
    public static string LabellingItem(string agentId, string requestId) => $"{LabellingItemsPrefix(agentId)}{requestId}.json";

    /// <summary>Lists the answers given to the agent's labelling queue (<see cref="LabellingAnswer"/>).</summary>
    public static string LabellingAnswersPrefix(string agentId) => $"agents/{agentId}/labelling/answers/";

    /// <summary>
    /// A person's label for a queued request: <c>LabellingAnswer</c> <c>{ itemId, label, by, at }</c>. Written by <c>LabellingQueue</c>;
    /// create-once: the first answer stands and a second gets 409. Replay key: (agent, request).
    /// </summary>
    public static string LabellingAnswer(string agentId, string requestId) => $"{LabellingAnswersPrefix(agentId)}{requestId}.json";

    /// <summary>
    /// Whether <paramref name="id"/> may be one segment of a name: 1–128 of letters, digits, '-', '_' and '.', and not
    /// only dots. Ids that come from a URL are checked with it before any name is built from them.
    /// </summary>
    public static bool IsSafeSegment(string? id) =>
        id is { Length: > 0 and <= 128 } && id.Trim('.').Length > 0 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>
    /// The A/B trial in progress: <c>TrialState</c> <c>{ runId, candidateVersionId, servingVersionId, candidateShare }</c>, read by
    /// <c>ServingRouter</c>. Written by <c>DeploymentStep</c> (overwritten when a trial starts; deleted, If-Match the version read, by the same run's
    /// promotion or rollback). Replay key: (agent): a replayed start writes the same trial.
    /// </summary>
    public static string Trial(string agentId) => $"agents/{agentId}/trial.json";

    /// <summary>Lists the agent's promotion ledger (<see cref="Deployment"/>).</summary>
    public static string DeploymentsPrefix(string agentId) => $"agents/{agentId}/deployments/";

    /// <summary>
    /// One record of the promotion ledger: <c>DeploymentRecord</c> (initial, promoted, rolled back, manual rollback). Written by
    /// <c>DeploymentLedger</c>, created once under its change's key: <c>run-{runId}</c> (a run's promotion or rollback),
    /// <c>initial-{versionId}</c>, <c>rollback-{holdId}</c> (a manual rollback). Replay key: the change's key.
    /// </summary>
    public static string Deployment(string agentId, string key) => $"{DeploymentsPrefix(agentId)}{key}.json";

    /// <summary>
    /// The change mark of the agent's promotion ledger: JSON <c>{ id, at }</c>, a fresh id per record added (<see cref="ListingDigest{T}"/>).
    /// Written by <c>DeploymentLedger</c> after each record it creates. Replay key: none: a mark only says that something changed.
    /// </summary>
    public static string DeploymentsChanged(string agentId) => $"agents/{agentId}/deployments-changed.json";

    /// <summary>
    /// The agent's promotion ledger in one blob (<see cref="ListingDigest{T}"/>): JSON <c>{ mark, at, value }</c>, <c>value</c> every
    /// <c>DeploymentRecord</c> with its name, read instead of listing the ledger while <c>mark</c> is the ledger's change mark.
    /// Written by <c>DeploymentLedger</c> when a reader finds it stale. Replay key: (agent): the last writer wins.
    /// </summary>
    public static string DeploymentsDigest(string agentId) => $"agents/{agentId}/deployments-digest.json";

    /// <summary>
    /// The decision of a run's A/B trial: <c>TrialOutcome</c> with the test's statistics, written by <c>DeploymentStep</c> at the check
    /// that decides (overwritten by a re-run of that check) and read when the run promotes or rolls back, for the ledger.
    /// </summary>
    public static string TrialOutcome(string runId) => $"runs/{runId}/trial/outcome.json";

    /// <summary>
    /// A person's request to stop the run's A/B trial: <c>TrialStopRequest</c> <c>{ trial, by, reason, at }</c>. Written by
    /// <c>TrialStopper</c> (create-once, before it ends the trial's routing); the run's next check rolls back with its reason.
    /// </summary>
    public static string TrialStop(string runId) => $"runs/{runId}/trial/stop.json";

    /// <summary>
    /// Production feedback, one blob per item: <c>FeedbackItem</c>; names sort by arrival (UTC, 100 ns). Written by <c>FeedbackLog</c>;
    /// each item gets a new name (time and a fresh id), created once. Replay key: none: a retried request adds another item.
    /// </summary>
    public static string Feedback(string agentId, DateTimeOffset receivedAt, string itemId) => $"{FeedbackPrefix(agentId)}{receivedAt.UtcDateTime:yyyyMMdd'T'HHmmssfffffff}-{itemId}.json";

    /// <summary>Lists the agent's feedback items (<see cref="Feedback"/>), oldest first.</summary>
    public static string FeedbackPrefix(string agentId) => $"agents/{agentId}/feedback/";

    /// <summary>
    /// Marks a feedback id as used: JSON <c>{ name }</c>, the name of the <see cref="Feedback"/> item it was stored as. Written by
    /// <c>FeedbackLog</c>; create-once, before the item. Replay key: (agent, feedback id): a repeated feedback id is stored once.
    /// </summary>
    public static string FeedbackId(string agentId, string feedbackId) => $"agents/{agentId}/feedback-ids/{feedbackId}.json";

    /// <summary>
    /// The change mark of the agent's feedback: JSON <c>{ id, at }</c>, a fresh id per item stored or erased (<see cref="ListingDigest{T}"/>).
    /// Written by <c>FeedbackLog</c> after each item it stores and after an erasure. Replay key: none: a mark only says that something changed.
    /// </summary>
    public static string FeedbackChanged(string agentId) => $"agents/{agentId}/feedback-changed.json";

    /// <summary>
    /// The agent's newest feedback as monitoring scores it (<see cref="ListingDigest{T}"/>): JSON <c>{ mark, at, value }</c>,
    /// <c>value</c> <c>{ count, items }</c>, the newest items walked to find <c>count</c> labelled ones, each with its name, text and
    /// label. Read instead of listing and reading the feedback while <c>mark</c> is the feedback's change mark. Written by
    /// <c>FeedbackLog</c> when a reader finds it stale; deleted by an erasure. Replay key: (agent): the last writer wins.
    /// </summary>
    public static string FeedbackRecent(string agentId) => $"agents/{agentId}/feedback-recent.json";

    /// <summary>Lists the agent's stored monitoring checks (<see cref="MonitoringCheck"/>), oldest first.</summary>
    public static string MonitoringChecksPrefix(string agentId) => $"agents/{agentId}/monitoring/checks/";

    /// <summary>
    /// One monitoring check of the agent's serving version: <c>MonitoringCheck</c> <c>{ at, snapshot }</c> (the goal metric on
    /// validation data and recent labelled traffic); names sort by time (UTC, 100 ns). Written by <c>MonitoringChecks</c> after each
    /// snapshot, which deletes the oldest beyond its retention (the newest 500 by default) on every 20th write per agent (counted from a random start); the agent page draws them over time.
    /// Replay key: none: a re-run check adds another point.
    /// </summary>
    public static string MonitoringCheck(string agentId, DateTimeOffset at) => $"{MonitoringChecksPrefix(agentId)}{at.UtcDateTime:yyyyMMdd'T'HHmmssfffffff}.json";

    // ----- agents/{agentId}/traffic/: the traffic log -----

    /// <summary>Lists the agent's whole traffic log (<see cref="TrafficBatch"/>).</summary>
    public static string TrafficPrefix(string agentId) => $"agents/{agentId}/traffic/";

    /// <summary>Lists one UTC day of the agent's traffic log.</summary>
    public static string TrafficDayPrefix(string agentId, DateTimeOffset day) => $"{TrafficPrefix(agentId)}{day.UtcDateTime:yyyy-MM-dd}/";

    /// <summary>Lists one UTC hour of the agent's traffic log: the partition a request of that hour is in.</summary>
    public static string TrafficHourPrefix(string agentId, DateTimeOffset hour) => $"{TrafficDayPrefix(agentId, hour)}{hour.UtcDateTime:HH}/";

    /// <summary>
    /// One flush of one process's buffered answers of one UTC hour: JSON Lines of <c>LoggedRequest</c>; <paramref name="first"/> and
    /// <paramref name="last"/> are the earliest and latest arrival in it, so a lookup by request id reads only the batches
    /// that can hold it. Written by <c>TrafficLog</c>; created once (a retried flush of the same batch finds it); rewritten only
    /// to erase a subject, deleted by the retention purge. Replay key: (writer, batch).
    /// </summary>
    public static string TrafficBatch(string agentId, DateTimeOffset first, DateTimeOffset last, string writer, long batch) =>
        $"{TrafficHourPrefix(agentId, first)}{first.UtcDateTime:yyyyMMdd'T'HHmmssfffffff}-{last.UtcDateTime:yyyyMMdd'T'HHmmssfffffff}-{writer}-{batch:D6}.jsonl";

    // ----- agents/{agentId}/: model versions -----

    /// <summary>Lists every blob of every model version of the agent.</summary>
    public static string VersionsPrefix(string agentId) => $"agents/{agentId}/versions/";

    /// <summary>
    /// A version's ONNX model (bytes). Written by <c>ArtifactModelRegistry</c>; create-once, first, as the claim on the version id,
    /// so two writers never share one. Replay key: (agent, version).
    /// </summary>
    public static string ModelOnnx(string agentId, string versionId) => $"{VersionsPrefix(agentId)}{versionId}/model.onnx";

    /// <summary>
    /// A version's trainer state (zip bytes), to warm-start the next training. Written by <c>ArtifactModelRegistry</c> (overwrite),
    /// only by the holder of the version id's <see cref="ModelOnnx"/>. Replay key: (agent, version).
    /// </summary>
    public static string TrainerState(string agentId, string versionId) => $"{VersionsPrefix(agentId)}{versionId}/trainer-state.zip";

    /// <summary>
    /// A version's record: <c>ModelVersion</c>. Written last by <c>ArtifactModelRegistry</c> (overwrite), by the holder of the version
    /// id's <see cref="ModelOnnx"/>; a version exists once it is there. Replay key: (agent, version).
    /// </summary>
    public static string VersionRecord(string agentId, string versionId) => $"{VersionsPrefix(agentId)}{versionId}/version.json";

    /// <summary>
    /// That a version served at least once: JSON <c>{ since, reason }</c> of the first time. Written by <c>ArtifactModelRegistry</c>
    /// when it makes the version serve; create-once. Replay key: (agent, version).
    /// </summary>
    public static string VersionServed(string agentId, string versionId) => $"{VersionsPrefix(agentId)}{versionId}/served.json";

    /// <summary>
    /// That a version was abandoned (its run was terminated, or had ended before its training finished):
    /// <c>VersionAbandonment</c> <c>{ runId, reason, at }</c>. Written by <c>ArtifactModelRegistry</c> for <c>RunLedger</c>;
    /// create-once, the first reason stays. Replay key: (agent, version).
    /// </summary>
    public static string VersionAbandoned(string agentId, string versionId) => $"{VersionsPrefix(agentId)}{versionId}/abandoned.json";

    /// <summary>
    /// What the alignment gate measured on a candidate: <c>AlignmentAssessment</c> (D, V′, the serving version's D and V′,
    /// the threshold, the verdict). Written by <c>AlignmentStep</c> (overwrite: a replayed assessment writes the same figures)
    /// so the approval page can show them while the run waits. Replay key: (agent, version).
    /// </summary>
    public static string VersionAlignment(string agentId, string versionId) => $"{VersionsPrefix(agentId)}{versionId}/alignment.json";

    /// <summary>
    /// What a candidate would change for the agent's users: <c>AnswerChanges</c> (the serving version and the candidate on
    /// the same recent labelled requests, the answers fixed and broken, a sample of them). Written by <c>EvaluationStep</c>
    /// (overwrite: a replayed evaluation writes the same figures) so the approval page can show them. Replay key: (agent, version).
    /// </summary>
    public static string VersionAnswerChanges(string agentId, string versionId) => $"{VersionsPrefix(agentId)}{versionId}/answer-changes.json";

    /// <summary>The version id (<c>v3</c>) of a name under <see cref="VersionsPrefix"/>; null for any other name.</summary>
    internal static string? VersionIdOf(string name)
    {
        var parts = name.Split('/');
        return parts.Length > 4 && parts[0] == "agents" && parts[2] == "versions" ? parts[3] : null;
    }

    /// <summary>Whether <paramref name="name"/> is a <see cref="VersionRecord"/>.</summary>
    public static bool IsVersionRecord(string name) => name.EndsWith("/version.json", StringComparison.Ordinal);

    /// <summary>3 for <c>agents/a/versions/v3/...</c>; 0 for anything else.</summary>
    public static int VersionNumber(string name)
    {
        var parts = name.Split('/');
        return parts.Length > 3 && parts[3].StartsWith('v') && int.TryParse(parts[3].AsSpan(1), out var n) ? n : 0;
    }

    /// <summary>
    /// The serving pointer: <c>ServingState</c> <c>{ versionId, previousVersionId, since, reason }</c>. Written by
    /// <c>ArtifactModelRegistry</c> (overwrite); setting the version already serving writes nothing. Replay key: (agent, version).
    /// </summary>
    public static string Serving(string agentId) => $"agents/{agentId}/serving.json";

    /// <summary>
    /// Claim on training a new agent's first version: JSON <c>{ by, at }</c>. Written by <c>InitialVersions</c>: created only if
    /// absent, so two hosts sharing a store do not both train; overwritten (If-Match the version read) by a host taking over a claim
    /// abandoned for 15 minutes, so of two such hosts one trains.
    /// Replay key: (agent).
    /// </summary>
    public static string InitialVersion(string agentId) => $"agents/{agentId}/initial-version.json";

    // ----- runs/{runId}/ -----

    /// <summary>
    /// The run's report: <c>ImprovementReport</c> (<c>docs/improvement-report.schema.json</c>). Written by <c>RunLedger</c>; create-once,
    /// so a replayed close does not rewrite history. Replay key: (run).
    /// </summary>
    public static string RunReport(string runId) => $"runs/{runId}/report.json";

    /// <summary>
    /// That the run was terminated: JSON <c>{ reason, at }</c>. Written by <c>RunLedger</c> for <c>RunClient</c> as soon as the
    /// termination is sent, before the orchestration has stopped; create-once. A training that finishes afterwards marks its
    /// version abandoned. Replay key: (run).
    /// </summary>
    public static string RunTerminated(string runId) => $"runs/{runId}/terminated.json";

    /// <summary>
    /// The adversarial probes the agent's LLM teacher wrote for one alignment environment of the run: JSON array of
    /// <c>LabeledExample</c> (text, true intent, provenance in <c>source</c>). Written by <c>AlignmentStep</c>; create-once,
    /// so every attempt and replay of the run is judged on the same probes. Never read by training. Replay key: (run, environment).
    /// </summary>
    public static string RunAdversarialProbes(string runId, string environment) => $"runs/{runId}/alignment/{environment}-probes.json";

    /// <summary>
    /// An attempt's plan: <c>ImprovementPlan</c>; the teacher batches are split from it. Written by <c>DataGenerationStep</c>;
    /// create-once. Replay key: (run, attempt).
    /// </summary>
    public static string Plan(string runId, int attempt) => $"runs/{runId}/attempt-{attempt}/plan.json";

    /// <summary>Lists an attempt's teacher batch outputs (<see cref="TeacherBatch"/>), in batch order.</summary>
    public static string TeacherBatchesPrefix(string runId, int attempt) => $"runs/{runId}/attempt-{attempt}/teacher/";

    /// <summary>
    /// One teacher batch's output before curation: <c>TeacherBatchOutput</c> <c>{ index, requests, labelled, generated, forHumans, notes }</c>.
    /// Written by <c>DataGenerationStep</c>; create-once, and a batch already there makes no call. Replay key: (run, attempt, batch).
    /// </summary>
    public static string TeacherBatch(string runId, int attempt, int batch) => $"{TeacherBatchesPrefix(runId, attempt)}batch-{batch:D4}.json";

    /// <summary>Lists the samples people demonstrated for an attempt (<see cref="Demonstration"/>).</summary>
    public static string DemonstrationsPrefix(string runId, int attempt) => $"runs/{runId}/attempt-{attempt}/demonstrations/";

    /// <summary>
    /// One submission of demonstrated samples: a JSON list of <c>LabeledExample</c>, named by the first 16 hex digits of the
    /// SHA-256 of <paramref name="content"/>. Written by <c>DemonstrationIntake</c>; create-once. Replay key: (run, attempt, content).
    /// </summary>
    public static string Demonstration(string runId, int attempt, ReadOnlySpan<byte> content) =>
        DemonstrationsPrefix(runId, attempt) + Convert.ToHexStringLower(SHA256.HashData(content))[..16] + ".json";

    /// <summary>
    /// The attempt's candidate: its model version id as a JSON string. Written by <c>TrainingStep</c>; create-once, so a replay
    /// returns the recorded candidate instead of training again. Replay key: (run, attempt).
    /// </summary>
    public static string Candidate(string runId, int attempt) => $"runs/{runId}/attempt-{attempt}/candidate.json";

    /// <summary>
    /// An attempt's training job: <c>TrainingJobSpec</c> (<c>docs/training-job.schema.json</c>), for the targets <c>worker</c> and
    /// <c>azure-container-apps-job</c>. Written by <c>TrainingJobSubmitter</c>; create-once, and only the writer that created it
    /// sends the queue message, so a resubmitted job is the same job. Replay key: (run, attempt).
    /// </summary>
    public static string TrainingJob(string runId, int attempt) => $"runs/{runId}/attempt-{attempt}/training-job/job.json";

    /// <summary>
    /// An attempt's training job status: <c>TrainingJobStatus</c> <c>{ jobId, state, workerId, deliveries, versionId, reason, at }</c>.
    /// Written by <c>TrainingJobSubmitter</c> (queued, cancelled) and <c>TrainingWorker</c> (running, succeeded, failed); overwritten.
    /// Replay key: (run, attempt).
    /// </summary>
    public static string TrainingJobStatus(string runId, int attempt) => $"runs/{runId}/attempt-{attempt}/training-job/status.json";

    /// <summary>
    /// An attempt's training job heartbeat: <c>TrainingJobHeartbeat</c> <c>{ jobId, workerId, at }</c>, rewritten by the worker
    /// that trains it. Written by <c>TrainingWorker</c>; overwritten. Replay key: (run, attempt).
    /// </summary>
    public static string TrainingJobHeartbeat(string runId, int attempt) => $"runs/{runId}/attempt-{attempt}/training-job/heartbeat.json";

    /// <summary>
    /// One approval token, stored only as its SHA-256: JSON <c>{ issuedAt, expiresAt }</c>. Written by <c>ApprovalTokens</c>;
    /// create-once (a re-issued token adds a hash). Replay key: (run, token hash).
    /// </summary>
    public static string ApprovalToken(string runId, string tokenHash) => $"{ApprovalTokensPrefix(runId)}{tokenHash}.json";

    /// <summary>Lists the run's approval tokens (<see cref="ApprovalToken"/>): one per link sent.</summary>
    public static string ApprovalTokensPrefix(string runId) => $"runs/{runId}/approval/tokens/";

    /// <summary>
    /// The run's approval decision, or that none came in time: <c>RecordedApproval</c> <c>{ decision, decidedAt, tokenHash, timedOut }</c>.
    /// Written by <c>ApprovalTokens</c>; create-once, so of a decision and the timeout only the first counts. Replay key: (run).
    /// </summary>
    public static string ApprovalDecision(string runId) => $"runs/{runId}/approval/decision.json";

    /// <summary>
    /// That the approval decision's event went to the run: JSON <c>{ at, redelivery }</c>. Written by <c>ApprovalTokens</c>
    /// for <c>RunClient</c>; create-once: the request that recorded the decision writes it after raising the event, a later
    /// request claims it before delivering a decision whose event never went out. Replay key: (run).
    /// </summary>
    public static string ApprovalDelivered(string runId) => $"runs/{runId}/approval/delivered.json";

    /// <summary>
    /// That the run's approval was escalated (half its timeout passed without a decision): <c>ApprovalEscalation</c>
    /// <c>{ at, notifiedTarget }</c>. Written by <c>ApprovalEscalations</c> for the escalation orchestration's activity; create-once,
    /// and only the writer that created it notifies. Replay key: (run).
    /// </summary>
    public static string ApprovalEscalated(string runId) => $"runs/{runId}/approval/escalated.json";

    /// <summary>Lists the run's LLM usage records (<see cref="Usage"/>).</summary>
    public static string UsagePrefix(string runId) => $"runs/{runId}/usage/";

    /// <summary>
    /// One LLM call (or fallback) of the run: <c>UsageRecord</c>, named by <see cref="UsageRecord.Key"/>. Written by
    /// <c>ArtifactUsageLedger</c>; create-once, so a replayed activity neither counts nor bills a call twice.
    /// Replay key: (run, phase, attempt, batch, agent, call, fallback).
    /// </summary>
    public static string Usage(UsageRecord record) => $"{UsagePrefix(record.RunId)}{record.Key}.json";

    /// <summary>Every name above, as <c>docs/store-layout.md</c> lists it (a test keeps the two equal, and each template equal to its method).</summary>
    public static IReadOnlyList<StoreLayoutEntry> Entries { get; } =
    [
        new("agents/{agentId}/run.lock",
            "The agent's run lock: JSON `{ runId, takenAt, purpose }` (stores written before hold just the run id as a JSON string). Held by a run, or briefly by a rollback (`purpose` `rollback`, `runId` `rollback-{12 hex}`). Only a run holding it may start a trial or promote.",
            "RunLedger (rewritten and deleted only If-Match the version its holder read: when the run closes or is released)", WriteMode.Claim,
            "(agent): a second start finds it and is refused"),
        new("agents/{agentId}/runs/{number}.json",
            "Run number `{number}` of the agent (run id `{agentId}-{number}`): JSON `{ runId, reason, manual, openedAt }`. Their count gives the next number.",
            "RunLedger (on start; on release for a run that died before writing it)", WriteMode.CreateOnce,
            "(agent, number)"),
        new("agents/{agentId}/released/{runId}.json",
            "Records that a dead run's lock (or an abandoned rollback's hold) was released: the JSON time of release.",
            "RunLedger", WriteMode.CreateOnce,
            "(agent, run): of two callers that found the same dead run, the lock's conditional delete lets one release it"),
        new("agents/{agentId}/last-run.json",
            "The agent's last closed run, for the trigger's cooldown: JSON `{ runId, status, endedAt }`.",
            "RunLedger", WriteMode.Overwrite,
            "(run): written only by the close that created the run's report"),
        new("agents/{agentId}/batches/{runId}.attempt-{attempt}.json",
            "One attempt's curated training batch: `StoredBatch` `{ summary, labelledRequests, examples }`; later runs and attempts train on it.",
            "DataGenerationStep", WriteMode.CreateOnce,
            "(run, attempt): a replay returns the stored batch"),
        new("agents/{agentId}/labelling/items/{requestId}.json",
            "One logged request waiting for a person's label: `LabellingItem` `{ itemId, agentId, text, guesses, suggested, reason, runId, attempt, queuedAt, subject }`.",
            "LabellingQueue (deleted only by a subject's erasure)", WriteMode.CreateOnce,
            "(agent, request): a request is queued once however many runs pick it"),
        new("agents/{agentId}/labelling/answers/{requestId}.json",
            "A person's label for a queued request: `LabellingAnswer` `{ itemId, label, by, at }`.",
            "LabellingQueue", WriteMode.CreateOnce,
            "(agent, request): the first answer stands; a second gets 409"),
        new("agents/{agentId}/trial.json",
            "The A/B trial in progress: `TrialState` `{ runId, candidateVersionId, servingVersionId, candidateShare }`, read by ServingRouter.",
            "DeploymentStep (deleted If-Match the version read, by the same run's promotion or rollback)", WriteMode.Overwrite,
            "(agent): a replayed start writes the same trial"),
        new("agents/{agentId}/deployments/{key}.json",
            "One record of the promotion ledger: `DeploymentRecord` `{ change, at, servingVersionId, previousVersionId, candidateVersionId, runId, trial, approval, reason, by, alignment }` (`alignment`: `{ thresholdsVersion, constitutionVersion, passed }` of the gate's verdict on a run's candidate, else null); `{key}` is `run-{runId}`, `initial-{versionId}` or `rollback-{holdId}`.",
            "DeploymentLedger (for DeploymentStep, InitialVersions, ServingRollback)", WriteMode.CreateOnce,
            "(agent, change key): a replayed promotion or rollback finds its record and adds none"),
        new("agents/{agentId}/deployments-changed.json",
            "The change mark of the agent's promotion ledger: JSON `{ id, at }`, a fresh id per record added. A reader uses `deployments-digest.json` only while its mark is this one.",
            "DeploymentLedger (after each record it creates)", WriteMode.Overwrite,
            "none: a mark only says that the ledger changed"),
        new("agents/{agentId}/deployments-digest.json",
            "The agent's promotion ledger in one blob: JSON `{ mark, at, value }`, `value` every `DeploymentRecord` with its name. Read instead of listing the ledger (the bake watch reads it on every monitoring check) while `mark` is the current change mark and `at` is under an hour old.",
            "DeploymentLedger (when a reader finds it stale)", WriteMode.Overwrite,
            "(agent): the last writer wins; each computes it from the store"),
        new("agents/{agentId}/feedback/{receivedAt:yyyyMMdd'T'HHmmssfffffff}-{itemId}.json",
            "One piece of production feedback: `FeedbackItem`; names sort by arrival (UTC, 100 ns).",
            "FeedbackLog", WriteMode.Append,
            "none: each item gets a new name (time and a fresh id); a retried request adds another item"),
        new("agents/{agentId}/feedback-ids/{feedbackId}.json",
            "Marks a client's feedback id as used: JSON `{ name }`, the feedback item it was stored as.",
            "FeedbackLog (before the item)", WriteMode.CreateOnce,
            "(agent, feedback id): a repeated feedback id stores nothing and answers with the item stored first"),
        new("agents/{agentId}/feedback-changed.json",
            "The change mark of the agent's feedback: JSON `{ id, at }`, a fresh id per item stored or erased. A reader uses `feedback-recent.json` only while its mark is this one.",
            "FeedbackLog (after each item it stores and after an erasure)", WriteMode.Overwrite,
            "none: a mark only says that the feedback changed"),
        new("agents/{agentId}/feedback-recent.json",
            "The agent's newest feedback as monitoring scores it: JSON `{ mark, at, value }`, `value` `{ count, items }` (the newest items walked to find `count` labelled ones, each `{ name, text, label }`). Read instead of listing and reading the feedback while `mark` is the current change mark and `at` is under an hour old.",
            "FeedbackLog (when a reader finds it stale; deleted by an erasure)", WriteMode.Overwrite,
            "(agent): the last writer wins; each computes it from the store"),
        new("agents/{agentId}/monitoring/checks/{at:yyyyMMdd'T'HHmmssfffffff}.json",
            "One monitoring check of the serving version: `MonitoringCheck` `{ at, snapshot }` (the goal metric on validation data and recent labelled traffic, with their counts); names sort by time (UTC, 100 ns). The agent page draws them over time.",
            "MonitoringChecks (after each MonitoringStep snapshot; on every 20th write per agent, counted from a random start, deletes the oldest beyond its retention, the newest 500 by default)", WriteMode.Append,
            "none: a re-run check adds another point, and retention bounds them"),
        new("agents/{agentId}/traffic/{day:yyyy-MM-dd}/{hour:HH}/{first:yyyyMMdd'T'HHmmssfffffff}-{last:yyyyMMdd'T'HHmmssfffffff}-{writer}-{batch:D6}.jsonl",
            "One flush of one process's answers of one UTC hour (the partition): JSON Lines of `LoggedRequest`, one answer a line; `{first}` and `{last}` are the earliest and latest arrival in it.",
            "TrafficLog (rewritten only to erase a subject; deleted by the retention purge)", WriteMode.CreateOnce,
            "(writer, batch): a retried flush of the same batch finds it written"),
        new("agents/{agentId}/versions/{versionId}/model.onnx",
            "A model version's ONNX model (bytes); written first, as the claim on the version id.",
            "ArtifactModelRegistry", WriteMode.CreateOnce,
            "(agent, version): two writers never share a version id"),
        new("agents/{agentId}/versions/{versionId}/trainer-state.zip",
            "A model version's trainer state (zip bytes), to warm-start the next training.",
            "ArtifactModelRegistry (by the holder of the version's model.onnx)", WriteMode.Overwrite,
            "(agent, version)"),
        new("agents/{agentId}/versions/{versionId}/version.json",
            "A model version's record: `ModelVersion`; written last, so a version exists once it is there.",
            "ArtifactModelRegistry (by the holder of the version's model.onnx)", WriteMode.Overwrite,
            "(agent, version)"),
        new("agents/{agentId}/versions/{versionId}/served.json",
            "That the version served at least once: JSON `{ since, reason }` of the first time; `versions` shows a version that served and was replaced as `retired`.",
            "ArtifactModelRegistry (when it makes the version serve)", WriteMode.CreateOnce,
            "(agent, version)"),
        new("agents/{agentId}/versions/{versionId}/abandoned.json",
            "That the version was abandoned (its run was terminated, or had ended before its training finished): `VersionAbandonment` `{ runId, reason, at }`; it never serves.",
            "ArtifactModelRegistry (for RunLedger)", WriteMode.CreateOnce,
            "(agent, version): the first reason stays"),
        new("agents/{agentId}/versions/{versionId}/alignment.json",
            "What the alignment gate measured on a candidate: `AlignmentAssessment` `{ distance, alignedValue, servingDistance, servingAlignedValue, maxDistance, passed, reason }` (D in bits); the approval page shows it while the run waits.",
            "AlignmentStep", WriteMode.Overwrite,
            "(agent, version): a replayed assessment writes the same figures"),
        new("agents/{agentId}/versions/{versionId}/answer-changes.json",
            "What a candidate would change for the agent's users: `AnswerChanges` `{ on, requests, servingCorrect, candidateCorrect, fixed, broken, otherChanged, sample }` on the same recent labelled requests; the approval page shows it.",
            "EvaluationStep", WriteMode.Overwrite,
            "(agent, version): a replayed evaluation writes the same figures"),
        new("agents/{agentId}/serving.json",
            "The serving pointer: `ServingState` `{ versionId, previousVersionId, since, reason }`.",
            "ArtifactModelRegistry", WriteMode.Overwrite,
            "(agent, version): setting the version already serving writes nothing"),
        new("agents/{agentId}/initial-version.json",
            "Claim on training a new agent's first version: JSON `{ by, at }`.",
            "InitialVersions (overwritten If-Match the version read by a host taking over a claim abandoned for 15 minutes)", WriteMode.Claim,
            "(agent): two hosts sharing a store (or taking over one abandoned claim) do not both train"),
        new("runs/{runId}/report.json",
            "The run's report: `ImprovementReport` (`docs/improvement-report.schema.json`).",
            "RunLedger", WriteMode.CreateOnce,
            "(run): a replayed close does not rewrite history"),
        new("runs/{runId}/trial/outcome.json",
            "The decision of the run's A/B trial: `TrialOutcome` with the test's estimate and bounds at the deciding check, for the promotion ledger.",
            "DeploymentStep", WriteMode.Overwrite,
            "(run): a re-run of the deciding check writes its own decision, the one the run goes on with"),
        new("runs/{runId}/trial/stop.json",
            "A person's request to stop the run's A/B trial: `TrialStopRequest` `{ trial, by, reason, at }`; the run's next check rolls the candidate back with its reason.",
            "TrialStopper (for POST /api/agents/{id}/trial/stop)", WriteMode.CreateOnce,
            "(run): a second stop keeps the first request"),
        new("runs/{runId}/terminated.json",
            "That the run was terminated: JSON `{ reason, at }`, written as soon as the termination is sent; a training that finishes afterwards marks its version abandoned.",
            "RunLedger (for RunClient)", WriteMode.CreateOnce,
            "(run)"),
        new("runs/{runId}/attempt-{attempt}/plan.json",
            "An attempt's plan: `ImprovementPlan`; the teacher batches are split from it.",
            "DataGenerationStep", WriteMode.CreateOnce,
            "(run, attempt)"),
        new("runs/{runId}/attempt-{attempt}/teacher/batch-{batch:D4}.json",
            "One teacher batch's output before curation: `TeacherBatchOutput` `{ index, requests, labelled, generated, forHumans, notes }`.",
            "DataGenerationStep", WriteMode.CreateOnce,
            "(run, attempt, batch): a batch already there makes no call"),
        new("runs/{runId}/attempt-{attempt}/demonstrations/{contentHash}.json",
            "One submission of samples people demonstrated: a JSON list of `LabeledExample`; `{contentHash}` is the first 16 hex digits of the content's SHA-256.",
            "DemonstrationIntake", WriteMode.CreateOnce,
            "(run, attempt, content): the same submission sent twice is stored once"),
        new("runs/{runId}/attempt-{attempt}/candidate.json",
            "The attempt's candidate: its model version id as a JSON string.",
            "TrainingStep", WriteMode.CreateOnce,
            "(run, attempt): a replay returns the recorded candidate instead of training again"),
        new("runs/{runId}/attempt-{attempt}/training-job/job.json",
            "An attempt's training job for the targets `worker` and `azure-container-apps-job`: `TrainingJobSpec` (`docs/training-job.schema.json`).",
            "TrainingJobSubmitter", WriteMode.CreateOnce,
            "(run, attempt): only the writer that created it queues the message, so a resubmission is the same job"),
        new("runs/{runId}/attempt-{attempt}/training-job/status.json",
            "An attempt's training job status: `TrainingJobStatus` `{ jobId, state, workerId, deliveries, versionId, reason, at }`; the run reads it on a durable timer in case the completion event is lost.",
            "TrainingJobSubmitter (queued, cancelled), TrainingWorker (running, succeeded, failed)", WriteMode.Overwrite,
            "(run, attempt)"),
        new("runs/{runId}/attempt-{attempt}/training-job/heartbeat.json",
            "An attempt's training job heartbeat: `TrainingJobHeartbeat` `{ jobId, workerId, at }`; stale means the worker died.",
            "TrainingWorker", WriteMode.Overwrite,
            "(run, attempt)"),
        new("runs/{runId}/alignment/{environment}-probes.json",
            "The adversarial probes the agent's LLM teacher wrote for one alignment environment of the run: `AdversarialProbeSet` `{ probes, writer, notes }`, each probe a `LabeledExample` with its provenance in `source` (`adversarial-teacher:{model}?prompt={hash}&at={UTC}&lure={intent}`). Never read by training.",
            "AlignmentStep", WriteMode.CreateOnce,
            "(run, environment): every attempt and replay of the run is judged on the same probes, and the teacher is called once"),
        new("runs/{runId}/approval/tokens/{tokenHash}.json",
            "One approval token, stored only as its SHA-256 (hex): JSON `{ issuedAt, expiresAt }`.",
            "ApprovalTokens", WriteMode.CreateOnce,
            "(run, token hash): a re-issued token adds a hash and leaves earlier links valid"),
        new("runs/{runId}/approval/decision.json",
            "The run's approval decision, or that none came in time: `RecordedApproval` `{ decision, decidedAt, tokenHash, timedOut }`.",
            "ApprovalTokens", WriteMode.CreateOnce,
            "(run): of two decisions, or a decision and the timeout, only the first counts"),
        new("runs/{runId}/approval/delivered.json",
            "That the approval decision's event went to the run: JSON `{ at, redelivery }` (`redelivery`: sent by a later request because the recording one never marked it).",
            "ApprovalTokens (for RunClient: after raising the event, or before redelivering it)", WriteMode.CreateOnce,
            "(run): later requests redeliver only a decision older than the grace period with no such record, and create it first, so at most one redelivers"),
        new("runs/{runId}/approval/escalated.json",
            "That the run's approval was escalated (half its timeout passed without a decision): `ApprovalEscalation` `{ at, notifiedTarget }`; the approval and run pages show when.",
            "ApprovalEscalations (for the escalation orchestration's activity)", WriteMode.CreateOnce,
            "(run): of two escalations only the first records, and only it notifies again"),
        new("runs/{runId}/usage/{phase}.attempt-{attempt}.batch-{batch}.{agent}.call-{call}{fallback}.json",
            "One LLM call of the run, or a fallback an agent took (`{fallback}` is `.fallback`, else empty): `UsageRecord`; the name is `UsageRecord.Key`.",
            "ArtifactUsageLedger", WriteMode.CreateOnce,
            "(run, phase, attempt, batch, agent, call, fallback): a replayed activity neither counts nor bills a call twice"),
    ];
}
