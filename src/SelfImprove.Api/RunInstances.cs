using System.Text.Json;
using Microsoft.DurableTask.Client;
using SelfImprove.Workflows.ImprovementRun;

namespace SelfImprove.Api;

/// <summary>Improvement runs as the durable client sees them: the instance (if it is a run) and its progress.</summary>
public static class RunInstances
{
    /// <summary>The instance with its inputs, outputs and custom status, or null when no improvement run has that id.</summary>
    public static async Task<OrchestrationMetadata?> GetAsync(DurableTaskClient client, string runId, CancellationToken cancellationToken = default)
    {
        var state = await client.GetInstanceAsync(runId, getInputsAndOutputs: true, cancellationToken);
        return state?.Name == nameof(ImprovementRunOrchestrator) ? state : null;
    }

    /// <summary>The run's custom status (<see cref="RunProgress"/>), or null before its first phase.</summary>
    public static RunProgress? ProgressOf(OrchestrationMetadata state) =>
        state.SerializedCustomStatus is { Length: > 0 } custom ? JsonSerializer.Deserialize<RunProgress>(custom, JsonSerializerOptions.Web) : null;
}
