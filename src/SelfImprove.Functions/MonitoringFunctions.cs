using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using SelfImprove.Runs;

namespace SelfImprove.Functions;

/// <summary>The monitoring timer: on the schedule in the app setting, a monitoring check for every agent deployed with the app.</summary>
public sealed class MonitoringFunctions(RunClientFactory runs, ILogger<MonitoringFunctions> logger)
{
    [Function("MonitorAgents")]
    public async Task<IReadOnlyList<string>> MonitorAgents(
        [TimerTrigger("%SelfImprove:MonitoringSchedule%")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        var checks = await runs.Create(client).ScheduleMonitoringChecksAsync(cancellationToken);
        logger.LogInformation("Monitoring tick: {Count} check(s) scheduled ({Checks})", checks.Count, string.Join(", ", checks));
        return checks;
    }
}
