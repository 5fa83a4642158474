using SelfImprove.Core.Ports;

namespace SelfImprove.Learning.Scoring;

/// <summary>Opens a registered version (or the serving one) as a classifier.</summary>
public sealed class ModelLoader(IModelRegistry registry, ITextEncoder encoder)
{
    public async Task<OnnxIntentClassifier> LoadAsync(string agentId, string versionId, CancellationToken cancellationToken = default)
    {
        var version = await registry.GetAsync(agentId, versionId, cancellationToken)
            ?? throw new KeyNotFoundException($"Agent '{agentId}' has no model version '{versionId}'. List them with 'selfimprove versions'.");
        var artifacts = await registry.ReadArtifactsAsync(agentId, versionId, cancellationToken);
        return new OnnxIntentClassifier(version.VersionId, version.Labels, artifacts.Onnx, encoder);
    }

    public async Task<OnnxIntentClassifier> LoadServingAsync(string agentId, CancellationToken cancellationToken = default)
    {
        var serving = await registry.GetServingAsync(agentId, cancellationToken)
            ?? throw new InvalidOperationException($"Agent '{agentId}' has no serving version yet. Train one with 'selfimprove train --manifest <file>'.");
        return await LoadAsync(agentId, serving.VersionId, cancellationToken);
    }
}
