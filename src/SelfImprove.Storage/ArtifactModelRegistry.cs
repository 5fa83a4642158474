using SelfImprove.Core.Models;
using SelfImprove.Core.Ports;

namespace SelfImprove.Storage;

/// <summary>
/// Model versions kept in an <see cref="IArtifactStore"/>:
/// <c>agents/{agentId}/versions/{versionId}/{model.onnx, trainer-state.zip, version.json}</c> and
/// <c>agents/{agentId}/serving.json</c>. A version exists once its <c>version.json</c> is written (last),
/// so a crash mid-way leaves no half version behind. A version's folder also holds <c>served.json</c> once it served and
/// <c>abandoned.json</c> once it was abandoned; listing reads the agent's <c>versions/</c> folder and nothing else.
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

    public async Task<IReadOnlyList<ModelVersion>> ListAsync(string agentId, CancellationToken cancellationToken = default) =>
        await ReadVersionsAsync(await store.ListAsync(StoreLayout.VersionsPrefix(agentId), cancellationToken), cancellationToken);

    public async Task<IReadOnlyList<RegisteredVersion>> ListWithStatusAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var names = await store.ListAsync(StoreLayout.VersionsPrefix(agentId), cancellationToken);
        var versions = await ReadVersionsAsync(names, cancellationToken);
        var serving = await GetServingAsync(agentId, cancellationToken);
        var served = VersionsWith(names, StoreLayout.VersionServed(agentId, "v0"));
        var abandoned = VersionsWith(names, StoreLayout.VersionAbandoned(agentId, "v0"));
        // Stores written before served.json existed: a version that was the previous one, or that a later version was
        // trained from (runs train from the serving version), has served.
        var parents = versions.Select(v => v.ParentVersionId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var listed = new List<RegisteredVersion>(versions.Count);
        foreach (var version in versions)
        {
            var id = version.VersionId;
            if (id == serving?.VersionId)
                listed.Add(new RegisteredVersion(version, VersionStatus.Serving));
            else if (abandoned.Contains(id))
                listed.Add(new RegisteredVersion(version, VersionStatus.Abandoned, await AbandonmentAsync(agentId, id, cancellationToken)));
            else if (served.Contains(id) || parents.Contains(id) || id == serving?.PreviousVersionId)
                listed.Add(new RegisteredVersion(version, VersionStatus.Retired));
            else
                listed.Add(new RegisteredVersion(version, VersionStatus.Candidate));
        }
        return listed;
    }

    public async Task<bool> MarkAbandonedAsync(string agentId, string versionId, VersionAbandonment abandonment, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(agentId, versionId, cancellationToken) is null)
            throw new KeyNotFoundException($"Agent '{agentId}' has no model version '{versionId}' to mark abandoned.");
        var marker = StoreLayout.VersionAbandoned(agentId, versionId);
        // Each side writes its own marker before it looks at the other's (abandoned here, served in SetServingAsync),
        // so of a mark and a promotion racing for one version at least one sees the other and backs off.
        var created = await store.TryCreateAsync(marker, StoreJson.Serialize(abandonment), cancellationToken);
        if (await HasServedAsync(agentId, versionId, cancellationToken))
        {
            if (created) await store.DeleteAsync(marker, cancellationToken);
            return false;
        }
        return true;
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
        var now = clock.GetUtcNow();
        var servedMarker = StoreLayout.VersionServed(agentId, versionId);
        var firstTime = await store.TryCreateAsync(servedMarker, StoreJson.Serialize(new Served(now, reason)), cancellationToken);
        if (await AbandonmentAsync(agentId, versionId, cancellationToken) is { } abandoned)
        {
            if (firstTime) await store.DeleteAsync(servedMarker, cancellationToken);
            throw new InvalidOperationException(
                $"Model version '{agentId}/{versionId}' is abandoned ({abandoned.Reason}, {abandoned.At:u}) and cannot serve; train a new one with an improvement run.");
        }
        var next = new ServingState(versionId, current?.VersionId, now, reason);
        await store.WriteAsync(StoreLayout.Serving(agentId), StoreJson.Serialize(next), cancellationToken);
        return next;
    }

    private async Task<IReadOnlyList<ModelVersion>> ReadVersionsAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var versions = new List<ModelVersion>();
        foreach (var name in names.Where(StoreLayout.IsVersionRecord).OrderBy(StoreLayout.VersionNumber))
        {
            var json = await store.ReadAsync(name, cancellationToken);
            if (json is not null) versions.Add(StoreJson.Deserialize<ModelVersion>(json, name));
        }
        return versions;
    }

    /// <summary>The versions that have a blob named like <paramref name="example"/> (the same file name in their folder).</summary>
    private static HashSet<string> VersionsWith(IReadOnlyList<string> names, string example)
    {
        var file = example[(example.LastIndexOf('/') + 1)..];
        return names.Where(n => n.EndsWith("/" + file, StringComparison.Ordinal)).Select(StoreLayout.VersionIdOf).OfType<string>().ToHashSet(StringComparer.Ordinal);
    }

    private async Task<VersionAbandonment?> AbandonmentAsync(string agentId, string versionId, CancellationToken cancellationToken)
    {
        var name = StoreLayout.VersionAbandoned(agentId, versionId);
        return await store.ReadAsync(name, cancellationToken) is { } json ? StoreJson.Deserialize<VersionAbandonment>(json, name) : null;
    }

    private async Task<bool> HasServedAsync(string agentId, string versionId, CancellationToken cancellationToken)
    {
        if (await store.ReadAsync(StoreLayout.VersionServed(agentId, versionId), cancellationToken) is not null) return true;
        var serving = await GetServingAsync(agentId, cancellationToken);
        return serving?.VersionId == versionId || serving?.PreviousVersionId == versionId;
    }

    private sealed record Served(DateTimeOffset Since, string Reason);
}
