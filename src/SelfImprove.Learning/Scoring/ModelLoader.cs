using System.Collections.Concurrent;
using SelfImprove.Core.Ports;

namespace SelfImprove.Learning.Scoring;

/// <summary>
/// Opens registered versions as classifiers and keeps them open: versions never change once written, so each
/// is loaded once per process. The loader owns the classifiers; callers must not dispose them.
/// </summary>
public sealed class ModelLoader(IModelRegistry registry, ITextEncoder encoder) : IDisposable
{
    private readonly ConcurrentDictionary<(string Agent, string Version), Lazy<Task<OnnxIntentClassifier>>> open = new();

    public Task<OnnxIntentClassifier> LoadAsync(string agentId, string versionId, CancellationToken cancellationToken = default) =>
        open.GetOrAdd((agentId, versionId), key => new Lazy<Task<OnnxIntentClassifier>>(() => OpenAsync(key.Agent, key.Version))).Value;

    public async Task<OnnxIntentClassifier> LoadServingAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var serving = await registry.GetServingAsync(agentId, cancellationToken)
            ?? throw new InvalidOperationException($"Agent '{agentId}' has no serving version yet. Train one with 'selfimprove train --manifest <file>'.");
        return await LoadAsync(agentId, serving.VersionId, cancellationToken);
    }

    public void Dispose()
    {
        foreach (var entry in open.Values.Where(e => e.IsValueCreated && e.Value.IsCompletedSuccessfully))
            entry.Value.Result.Dispose();
        open.Clear();
    }

    private async Task<OnnxIntentClassifier> OpenAsync(string agentId, string versionId)
    {
        try
        {
            var version = await registry.GetAsync(agentId, versionId)
                ?? throw new KeyNotFoundException($"Agent '{agentId}' has no model version '{versionId}'. List them with 'selfimprove versions'.");
            var artifacts = await registry.ReadArtifactsAsync(agentId, versionId);
            return new OnnxIntentClassifier(version.VersionId, version.Labels, artifacts.Onnx, encoder);
        }
        catch
        {
            // A failed load is not cached: the version may appear later (e.g. it is being registered right now).
            open.TryRemove((agentId, versionId), out _);
            throw;
        }
    }
}
