using Microsoft.DurableTask.Client;
using SelfImprove.Steps;
using SelfImprove.Workflows.Monitoring;

namespace SelfImprove.Api.Monitoring;

/// <summary>
/// One tick of the monitoring timer: a monitoring check (its own orchestration) for every registered agent.
/// The checks decide with the trigger policy; the run lock keeps it to one run per agent even if two hosts tick.
/// </summary>
public static class MonitoringTick
{
    public static async Task<IReadOnlyList<string>> ScheduleChecksAsync(DurableTaskClient client, AgentCatalog agents, CancellationToken cancellationToken = default)
    {
        var checks = new List<string>();
        foreach (var agentId in agents.AgentIds)
            checks.Add(await client.ScheduleNewOrchestrationInstanceAsync(nameof(MonitorAgentOrchestrator), new MonitorInput(agentId), cancellationToken));
        return checks;
    }
}
