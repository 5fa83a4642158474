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
    public async Task<ModelVersion> AddAsync(ModelVersion draft, ModelArtifacts artifacts, CancellationToken cancellationToken = default)
    {
        // The ONNX file doubles as the claim on the version id: created only if absent, so two writers never share an id.
        var existing = await store.ListAsync(StoreLayout.VersionsPrefix(draft.AgentId), cancellationToken);
        var number = existing.Select(StoreLayout.VersionNumber).DefaultIfEmpty(0).Max() + 1;
        while (!await store.TryCreateAsync(StoreLayout.ModelOnnx(draft.AgentId, $"v{number}"), artifacts.Onnx, cancellationToken))
            number++;

        var version = draft with { VersionId = $"v{number}" };
        await store.WriteAsync(StoreLayout.TrainerState(version.AgentId, version.VersionId), artifacts.TrainerState, cancellationToken);
        await store.WriteAsync(StoreLayout.VersionRecord(version.AgentId, version.VersionId), StoreJson.Serialize(version), cancellationToken);
        return version;
    }

    public async Task<ModelVersion?> GetAsync(string agentId, string versionId, CancellationToken cancellationToken = default)
    {
        var name = StoreLayout.VersionRecord(agentId, versionId);
        var json = await store.ReadAsync(name, cancellationToken);
        return json is null ? null : StoreJson.Deserialize<ModelVersion>(json, name);
    }

    public async Task<IReadOnlyList<ModelVersion>> ListAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var names = await store.ListAsync(StoreLayout.VersionsPrefix(agentId), cancellationToken);
        var versions = new List<ModelVersion>();
        foreach (var name in names.Where(StoreLayout.IsVersionRecord).OrderBy(StoreLayout.VersionNumber))
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
        var onnx = await store.ReadAsync(StoreLayout.ModelOnnx(agentId, versionId), cancellationToken);
        var state = await store.ReadAsync(StoreLayout.TrainerState(agentId, versionId), cancellationToken);
        if (onnx is null || state is null)
            throw new InvalidDataException($"Model version '{agentId}/{versionId}' is missing its artefacts ({StoreLayout.ModelOnnx(agentId, versionId)}, {StoreLayout.TrainerState(agentId, versionId)}).");
        return new ModelArtifacts(onnx, state);
    }

    public async Task<ServingState?> GetServingAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var name = StoreLayout.Serving(agentId);
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
        await store.WriteAsync(StoreLayout.Serving(agentId), StoreJson.Serialize(next), cancellationToken);
        return next;
    }
}
