using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using SelfImprove.Hosting;
using SelfImprove.Testing;

namespace SelfImprove.Workflows.Tests.Hosting;

/// <summary>
/// The in-process sidecar's gRPC limits: work items and results above gRPC's 4 MiB default pass between the worker and
/// the sidecar. (A bigger result failed its call, the sidecar never heard back about the work item it had handed out,
/// and the orchestration waited for ever.)
/// </summary>
public sealed class SidecarLimitsTests
{
    private const int FiveMiB = 5 * 1024 * 1024;

    [Fact]
    public async Task An_orchestration_whose_activity_result_exceeds_4_MiB_completes()
    {
        await using var host = await DurableHost.StartAsync(
            DurableBackends.InMemory(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance),
            registry => registry
                .AddOrchestratorFunc<string?, int>("BigPayload", async (context, _) =>
                {
                    // The activity's result is over 4 MiB, and so is the orchestrator's next work item (its history holds it).
                    var big = await context.CallActivityAsync<string>("Make");
                    return big.Length;
                })
                .AddActivityFunc<string>("Make", _ => new string('x', FiveMiB)),
            _ => { });

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("BigPayload");
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        OrchestrationMetadata done;
        try
        {
            done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("the orchestration with a 5 MiB activity result did not complete within 30 s (stuck on a gRPC message limit)");
        }

        Assert.True(done.RuntimeStatus == OrchestrationRuntimeStatus.Completed,
            $"{done.RuntimeStatus}: {done.FailureDetails?.ErrorType}: {done.FailureDetails?.ErrorMessage}");
        Assert.Equal(FiveMiB, done.ReadOutputAs<int>());
    }
}
