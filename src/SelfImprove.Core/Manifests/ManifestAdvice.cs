namespace SelfImprove.Core.Manifests;

/// <summary>
/// Notes on a valid manifest that still works but should be written differently (older spellings kept as aliases);
/// <c>selfimprove validate</c> prints them. Never errors: a manifest with notes runs as it is.
/// </summary>
public static class ManifestAdvice
{
    /// <summary>The notes for <paramref name="manifest"/>, each with the JSON path it concerns and what to write instead; empty when none.</summary>
    public static IReadOnlyList<ManifestError> For(AgentManifest manifest, string file)
    {
        var notes = new List<ManifestError>();
        var compute = manifest.Training.Compute;
        switch (compute.Target)
        {
            case ComputeTarget.Local:
                notes.Add(new ManifestError(file, "$.training.compute.target",
                    "'local' is the older spelling of 'inline' (train in the orchestration's process); write \"target\": \"inline\"."));
                break;
            case ComputeTarget.Gpu:
                notes.Add(new ManifestError(file, "$.training.compute.target",
                    "'gpu' is the older spelling of 'inline' with gpu true (train in process, embedding on CUDA device " +
                    $"{compute.DeviceId}); write \"target\": \"inline\", \"gpu\": true — or \"worker\" / \"azure-container-apps-job\" with \"gpu\": true to train on dedicated compute."));
                break;
        }
        if (!compute.RunsAsJob && compute.Timeout != ComputeSpec.DefaultTimeout)
            notes.Add(new ManifestError(file, "$.training.compute.timeout",
                "applies only to the targets 'worker' and 'azure-container-apps-job' (the deadline of a training job); inline training ignores it."));
        return notes;
    }
}
