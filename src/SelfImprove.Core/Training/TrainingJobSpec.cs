using System.Security.Cryptography;
using System.Text.Json.Serialization;
using SelfImprove.Core.Manifests;

namespace SelfImprove.Core.Training;

/// <summary>
/// One training job on the training queue: what a <c>selfimprove train-worker</c> (or the worker image Azure starts per job)
/// needs to train one attempt's candidate. JSON, camelCase, schema <c>docs/training-job.schema.json</c>; the store holds it once
/// per job (<c>runs/{runId}/attempt-{attempt}/training-job/job.json</c>) and the queue message carries it.
/// </summary>
public sealed record TrainingJobSpec
{
    /// <summary>Version of this contract; a worker refuses a job of a schema it does not know.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>The contract's version (<see cref="CurrentSchemaVersion"/>).</summary>
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>
    /// <c>{runId}.attempt-{attempt}</c> (<see cref="JobIdOf"/>): derived from the run and attempt, so a resubmission is the same job
    /// and the queue never holds two jobs for one attempt.
    /// </summary>
    public string JobId { get; init; } = "";

    /// <summary>The agent whose candidate is trained.</summary>
    public string AgentId { get; init; } = "";

    /// <summary>The improvement run that submitted the job.</summary>
    public string RunId { get; init; } = "";

    /// <summary>The run's attempt (1 or more).</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>
    /// The version the candidate warm-starts from and is compared with (the one serving when the job was built); null for a
    /// first version.
    /// </summary>
    public string? ParentVersionId { get; init; }

    /// <summary>
    /// This attempt's curated batches, as artefact-store blob names with the SHA-256 of their bytes; the worker refuses a job whose
    /// blob is missing or has other bytes. (The agent's pool and earlier runs' batches are read as inline training reads them.)
    /// </summary>
    public IReadOnlyList<TrainingDataBlob> Data { get; init; } = [];

    /// <summary>The trainer's settings for this attempt (the manifest's, as the planner tuned them).</summary>
    public HyperParameters HyperParameters { get; init; } = new();

    /// <summary>The manifest's <c>training.compute</c>: target, GPU, device, fallback and deadline.</summary>
    public ComputeSpec Compute { get; init; } = new();

    /// <summary>
    /// Where the result goes: the blob that records the attempt's candidate (its model version id as a JSON string), the same
    /// name inline training writes, so a job's candidate is adopted exactly once whichever way it was trained.
    /// </summary>
    public string ResultBlob { get; init; } = "";

    /// <summary>Where the worker writes <see cref="TrainingJobStatus"/> (overwritten at each change of state).</summary>
    public string StatusBlob { get; init; } = "";

    /// <summary>Where the worker writes <see cref="TrainingJobHeartbeat"/> while it trains.</summary>
    public string HeartbeatBlob { get; init; } = "";

    /// <summary>The job id of <paramref name="runId"/>'s attempt <paramref name="attempt"/>: <c>{runId}.attempt-{attempt}</c>.</summary>
    /// <exception cref="ArgumentException">Empty run id, or an attempt below 1.</exception>
    public static string JobIdOf(string runId, int attempt)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        if (attempt < 1) throw new ArgumentException($"An attempt is numbered from 1; got {attempt}.", nameof(attempt));
        return $"{runId}.attempt-{attempt}";
    }
}

/// <summary>One blob of training data and the SHA-256 of its bytes (64 lower-case hex digits, FIPS 180-4).</summary>
public sealed record TrainingDataBlob
{
    /// <summary>The blob's name in the artefact store.</summary>
    public string Name { get; init; } = "";

    /// <summary>SHA-256 of the blob's bytes, 64 lower-case hex digits.</summary>
    public string Sha256 { get; init; } = "";

    /// <summary>The SHA-256 of <paramref name="content"/> as 64 lower-case hex digits (FIPS 180-4).</summary>
    public static string HashOf(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));
}

/// <summary>Where a training job is.</summary>
[JsonConverter(typeof(WireNameConverter<TrainingJobState>))]
public enum TrainingJobState
{
    /// <summary>On the queue; no worker has it.</summary>
    [JsonStringEnumMemberName("queued")] Queued,

    /// <summary>A worker trains it (its heartbeat says it is alive).</summary>
    [JsonStringEnumMemberName("running")] Running,

    /// <summary>Trained and registered: <see cref="TrainingJobStatus.VersionId"/> is the candidate.</summary>
    [JsonStringEnumMemberName("succeeded")] Succeeded,

    /// <summary>Cannot be trained (bad data, too many deliveries); <see cref="TrainingJobStatus.Reason"/> says why.</summary>
    [JsonStringEnumMemberName("failed")] Failed,

    /// <summary>Its run ended first (terminated, timed out); a version it registers anyway is marked abandoned.</summary>
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>
/// A training job's status blob: <c>{ jobId, state, workerId, deliveries, versionId, reason, at }</c>; the orchestration reads
/// it on a durable timer in case the completion event is lost.
/// </summary>
public sealed record TrainingJobStatus
{
    public string JobId { get; init; } = "";
    public TrainingJobState State { get; init; }

    /// <summary>The worker that wrote this state; null while queued.</summary>
    public string? WorkerId { get; init; }

    /// <summary>How many times the queue has delivered the job's message (1 on the first delivery).</summary>
    public int Deliveries { get; init; }

    /// <summary>With <see cref="TrainingJobState.Succeeded"/>: the registered candidate's model version id.</summary>
    public string? VersionId { get; init; }

    /// <summary>With <see cref="TrainingJobState.Failed"/> or <see cref="TrainingJobState.Cancelled"/>: why, in words.</summary>
    public string? Reason { get; init; }

    /// <summary>When the state was written (UTC).</summary>
    public DateTimeOffset At { get; init; }
}

/// <summary>A training job's heartbeat blob: <c>{ jobId, workerId, at }</c>, rewritten while the worker trains; stale past the heartbeat timeout means the worker died.</summary>
public sealed record TrainingJobHeartbeat(string JobId, string WorkerId, DateTimeOffset At);
