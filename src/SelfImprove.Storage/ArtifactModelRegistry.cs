using SelfImprove.Core.Models;
using SelfImprove.Core.Ports;

namespace SelfImprove.Storage;

/// <summary>
/// Model versions kept in an <see cref="IArtifactStore"/>:
/// <c>agents/{agentId}/versions/{versionId}/{model.onnx, trainer-state.zip, version.json}</c> and
/// <c>agents/{agentId}/serving.json</c>. A version exists once its <c>version.json</c> is written (last),
/// so a crash mid-way leaves no half version behind.
/// </summary>
public sealed class ArtifactModelRegistry(IArtifactStore store, TimeProvider clock) : IModelRegistry
{
    private const string OnnxFile = "model.onnx";
    private const string TrainerStateFile = "trainer-state.zip";
    private const string RecordFile = "version.json";

    public async Task<ModelVersion> AddAsync(ModelVersion draft, ModelArtifacts artifacts, CancellationToken cancellationToken = default)
    {
        // The ONNX file doubles as the claim on the version id: created only if absent, so two writers never share an id.
        var existing = await store.ListAsync(VersionsPrefix(draft.AgentId), cancellationToken);
        var number = existing.Select(VersionNumberOf).DefaultIfEmpty(0).Max() + 1;
        while (!await store.TryCreateAsync(BlobName(draft.AgentId, $"v{number}", OnnxFile), artifacts.Onnx, cancellationToken))
            number++;

        var version = draft with { VersionId = $"v{number}" };
        await store.WriteAsync(BlobName(version.AgentId, version.VersionId, TrainerStateFile), artifacts.TrainerState, cancellationToken);
        await store.WriteAsync(BlobName(version.AgentId, version.VersionId, RecordFile), StoreJson.Serialize(version), cancellationToken);
        return version;
    }

    public async Task<ModelVersion?> GetAsync(string agentId, string versionId, CancellationToken cancellationToken = default)
    {
        var name = BlobName(agentId, versionId, RecordFile);
        var json = await store.ReadAsync(name, cancellationToken);
        return json is null ? null : StoreJson.Deserialize<ModelVersion>(json, name);
    }

    public async Task<IReadOnlyList<ModelVersion>> ListAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var names = await store.ListAsync(VersionsPrefix(agentId), cancellationToken);
        var versions = new List<ModelVersion>();
        foreach (var name in names.Where(n => n.EndsWith("/" + RecordFile, StringComparison.Ordinal)).OrderBy(VersionNumberOf))
        {
            var json = await store.ReadAsync(name, cancellationToken);
            if (json is not null) versions.Add(StoreJson.Deserialize<ModelVersion>(json, name));
        }
        return versions;
    }

    public async Task<ModelArtifacts> ReadArtifactsAsync(string agentId, string versionId, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(agentId, versionId, cancellationToken) is null)
            throw new KeyNotFoundException($"Agent '{agentId}' has no model version '{versionId}'. List them with 'selfimprove versions'.");
        var onnx = await store.ReadAsync(BlobName(agentId, versionId, OnnxFile), cancellationToken);
        var state = await store.ReadAsync(BlobName(agentId, versionId, TrainerStateFile), cancellationToken);
        if (onnx is null || state is null)
            throw new InvalidDataException($"Model version '{agentId}/{versionId}' is missing its artefacts ({OnnxFile}, {TrainerStateFile}).");
        return new ModelArtifacts(onnx, state);
    }

    public async Task<ServingState?> GetServingAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var name = ServingName(agentId);
        var json = await store.ReadAsync(name, cancellationToken);
        return json is null ? null : StoreJson.Deserialize<ServingState>(json, name);
    }

    public async Task<ServingState> SetServingAsync(string agentId, string versionId, string reason, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(agentId, versionId, cancellationToken) is null)
            throw new KeyNotFoundException($"Agent '{agentId}' has no model version '{versionId}' to serve.");
        var current = await GetServingAsync(agentId, cancellationToken);
        if (current?.VersionId == versionId) return current;
        var next = new ServingState(versionId, current?.VersionId, clock.GetUtcNow(), reason);
        await store.WriteAsync(ServingName(agentId), StoreJson.Serialize(next), cancellationToken);
        return next;
    }

    private static string VersionsPrefix(string agentId) => $"agents/{agentId}/versions/";

    private static string BlobName(string agentId, string versionId, string file) => $"agents/{agentId}/versions/{versionId}/{file}";

    private static string ServingName(string agentId) => $"agents/{agentId}/serving.json";

    /// <summary>3 for <c>agents/a/versions/v3/...</c>; 0 for anything else.</summary>
    private static int VersionNumberOf(string blobName)
    {
        var parts = blobName.Split('/');
        return parts.Length > 3 && parts[3].StartsWith('v') && int.TryParse(parts[3].AsSpan(1), out var n) ? n : 0;
    }
}
