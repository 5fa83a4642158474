using SelfImprove.Learning.Embeddings;
using Microsoft.Extensions.Options;
using SelfImprove.Agents.Llm;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Ports;

namespace SelfImprove.Steps;

/// <summary>
/// Where a host finds its agents and keeps its artefacts (the Options pattern: configured by the host, checked by
/// <see cref="LoopOptionsValidator"/> when the host starts, before anything runs).
/// </summary>
public sealed class LoopOptions
{
    /// <summary>The agents this host serves, loaded and validated (see <see cref="ManifestLoader"/>); at least one.</summary>
    public IReadOnlyList<LoadedManifest> Agents { get; set; } = [];

    /// <summary>The local artefact store (model versions, batches, run reports), used unless <see cref="ArtifactStore"/> is given.</summary>
    public string StoreDirectory { get; set; } = ".selfimprove";

    /// <summary>Another artefact store, e.g. a <see cref="Storage.BlobArtifactStore"/> so that several processes share artefacts.</summary>
    public IArtifactStore? ArtifactStore { get; set; }

    /// <summary>The embedding cache; default: <c>{StoreDirectory}/cache/embeddings</c>.</summary>
    public string? EmbeddingCacheDirectory { get; set; }

    /// <summary>Retries, timeouts and key lookup of the LLM agents' clients (used only by manifests with an LLM kind).</summary>
    public LlmClientOptions Llm { get; set; } = new();

    /// <summary>Where people reach this host's API (e.g. <c>https://app.azurewebsites.net/</c>), for approval links; relative links when null.</summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>
    /// How old a recorded approval decision must be before a later request with its token sends its event again, when
    /// nothing records that the request which recorded it sent it (that host died in between). Longer than any raise
    /// takes, so a decision is delivered twice only after a double fault.
    /// </summary>
    public TimeSpan ApprovalRedeliveryGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The serving path: micro-batching, the cached serving pointer, the serving embedding cache.</summary>
    public ServingOptions Serving { get; set; } = new();

    /// <summary>
    /// Most embeddings the training cache (evaluation, training, the trial) keeps in memory (default 200,000, about 350 MB);
    /// its file under <see cref="CacheDirectory"/> keeps every training text (1,568 bytes each). Predicted texts never reach it.
    /// </summary>
    public int TrainingEmbeddingCacheEntries { get; set; } = 200_000;

    /// <summary>
    /// Threads the encoder's ONNX Runtime session computes with on the CPU (its intra-op pool); null: one per core
    /// (<see cref="Environment.ProcessorCount"/>), what a process alone on its machine wants. Set below the core count, the
    /// pool's threads also stop spinning between batches (<see cref="MiniLmTextEncoder"/>), so a process sharing cores
    /// with another (a training worker beside <c>serve</c>) takes only the cores it is given. Ignored on CUDA. 1 to 1024.
    /// </summary>
    public int? EncoderThreads { get; set; }

    /// <summary>
    /// The training queue runs with <c>training.compute.target</c> <c>worker</c> or <c>azure-container-apps-job</c> submit their jobs
    /// to (an <see cref="Storage.AzureStorageTrainingQueue"/> that <c>selfimprove train-worker</c> processes serve); an in-process
    /// <see cref="Storage.InMemoryTrainingQueue"/> when null (workers in this process only: tests).
    /// </summary>
    public Core.Ports.ITrainingQueue? TrainingQueue { get; set; }

    /// <summary>The traffic log: whether answers are kept, and how often they are written.</summary>
    public TrafficLogOptions Traffic { get; set; } = new();

    /// <summary>The embedding cache folder in effect.</summary>
    public string CacheDirectory => EmbeddingCacheDirectory ?? Path.Combine(StoreDirectory, "cache", "embeddings");
}

/// <summary>
/// The serving path's settings (<see cref="ServingRouter"/>): concurrent requests are answered with one encoder call
/// (micro-batching), the serving pointer and trial state are cached, and predicted texts' embeddings are kept in a
/// bounded in-memory cache.
/// </summary>
public sealed class ServingOptions
{
    /// <summary>
    /// How long the first request of a batch waits for others before the encoder runs (default 3 ms; 0 to 100 ms): the
    /// price of one batch for a lone request, and what lets concurrent requests share an encoder call.
    /// </summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(3);

    /// <summary>Most texts in one encoder call (default 64; 1 to 1,024); a batch predict's inputs are never split between calls.</summary>
    public int MaxBatch { get; set; } = 64;

    /// <summary>
    /// How long the serving pointer, the trial state and the run lock are trusted before they are read again (default 1 s;
    /// 0 reads them on every request, at most 1 minute): a change made by another process is seen within this (plus one
    /// read); changes made through this process (promotion, rollback, trial start) are seen at once.
    /// </summary>
    public TimeSpan PointerRefresh { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most embeddings of predicted texts kept in memory (default 20,000, about 35 MB), least recently used evicted; nothing is written to disk.</summary>
    public int EmbeddingCacheEntries { get; set; } = 20_000;

    /// <summary>Each setting out of range, as "Name: problem".</summary>
    public IEnumerable<string> Problems()
    {
        if (BatchWindow < TimeSpan.Zero || BatchWindow > TimeSpan.FromMilliseconds(100)) yield return $"BatchWindow: '{BatchWindow}' must be between 0 and 100 ms.";
        if (MaxBatch is < 1 or > 1024) yield return $"MaxBatch: {MaxBatch} must be between 1 and 1024.";
        if (PointerRefresh < TimeSpan.Zero || PointerRefresh > TimeSpan.FromMinutes(1)) yield return $"PointerRefresh: '{PointerRefresh}' must be between 0 and 1 minute.";
        if (EmbeddingCacheEntries is < 1 or > 10_000_000) yield return $"EmbeddingCacheEntries: {EmbeddingCacheEntries} must be between 1 and 10000000.";
    }
}

/// <summary>
/// The traffic log's settings (<see cref="TrafficLog"/>). The flush window — what a killed process can lose — is at most
/// <see cref="FlushInterval"/> of answers plus those answered while one flush writes; a graceful stop loses nothing.
/// </summary>
public sealed class TrafficLogOptions
{
    /// <summary>Keep every answer (default). Off only to measure what the log costs: feedback by request id then finds nothing.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often buffered answers are written (default 1 s; 10 ms to 5 minutes): the flush window.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Write sooner when this many answers wait (default 2,000; 1 to 1,000,000).</summary>
    public int FlushAtCount { get; set; } = 2_000;

    /// <summary>
    /// Most answers kept waiting while storage cannot be written (default 200,000, about 200 MB; at least
    /// <see cref="FlushAtCount"/>); beyond it the oldest are dropped and counted, so memory stays bounded.
    /// </summary>
    public int MaxBuffered { get; set; } = 200_000;

    /// <summary>How often the retention purge runs (default an hour; 1 s to a day).</summary>
    public TimeSpan RetentionCheckEvery { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Each setting out of range, as "Name: problem".</summary>
    public IEnumerable<string> Problems()
    {
        if (FlushInterval < TimeSpan.FromMilliseconds(10) || FlushInterval > TimeSpan.FromMinutes(5))
            yield return $"FlushInterval: '{FlushInterval}' must be between 10 ms and 5 minutes.";
        if (FlushAtCount is < 1 or > 1_000_000) yield return $"FlushAtCount: {FlushAtCount} must be between 1 and 1000000.";
        if (MaxBuffered < FlushAtCount || MaxBuffered > 10_000_000) yield return $"MaxBuffered: {MaxBuffered} must be at least FlushAtCount ({FlushAtCount}) and at most 10000000.";
        if (RetentionCheckEvery < TimeSpan.FromSeconds(1) || RetentionCheckEvery > TimeSpan.FromDays(1))
            yield return $"RetentionCheckEvery: '{RetentionCheckEvery}' must be between 1 s and a day.";
    }
}

/// <summary>Checks <see cref="LoopOptions"/> at start-up: every problem named by its option.</summary>
public sealed class LoopOptionsValidator : IValidateOptions<LoopOptions>
{
    public ValidateOptionsResult Validate(string? name, LoopOptions options)
    {
        var problems = new List<string>();
        if (options.Agents.Count == 0) problems.Add("Agents: give at least one agent manifest (*.agent.json).");
        if (options.ArtifactStore is null && string.IsNullOrWhiteSpace(options.StoreDirectory)) problems.Add("StoreDirectory: give the folder of the artefact store.");
        if (options.PublicBaseUrl is { IsAbsoluteUri: false } or { Scheme: not ("http" or "https") })
            problems.Add($"PublicBaseUrl: '{options.PublicBaseUrl}' must be an absolute http(s) URL such as https://myapp.azurewebsites.net/.");
        if (options.ApprovalRedeliveryGrace < TimeSpan.Zero)
            problems.Add($"ApprovalRedeliveryGrace: '{options.ApprovalRedeliveryGrace}' must not be negative.");
        problems.AddRange(options.Traffic.Problems().Select(p => $"Traffic.{p}"));
        problems.AddRange(options.Serving.Problems().Select(p => $"Serving.{p}"));
        if (options.EncoderThreads is < 1 or > MiniLmTextEncoder.MaxThreads)
            problems.Add($"EncoderThreads: {options.EncoderThreads} must be between 1 and {MiniLmTextEncoder.MaxThreads} (or unset: one per core).");
        if (options.TrainingEmbeddingCacheEntries is < 1 or > 10_000_000)
            problems.Add($"TrainingEmbeddingCacheEntries: {options.TrainingEmbeddingCacheEntries} must be between 1 and 10000000.");
        var duplicates = options.Agents.GroupBy(a => a.Manifest.AgentId, StringComparer.Ordinal).Where(g => g.Count() > 1);
        foreach (var twice in duplicates)
            problems.Add($"Agents: two manifests declare agent '{twice.Key}': {string.Join(" and ", twice.Select(a => a.FilePath))}.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>
/// For hosts that run the loop: builds every LLM client the manifests ask for once, so a missing key or a bad endpoint
/// stops the host before it serves (the model commands, which call no LLM, skip it).
/// </summary>
public sealed class LlmAgentsValidator : IValidateOptions<LoopOptions>
{
    public ValidateOptionsResult Validate(string? name, LoopOptions options)
    {
        try
        {
            ManifestAgents.CheckConfiguration(options.Agents.Select(a => a.Manifest), options.Llm);
            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
