using System.Text.Json.Nodes;
using SelfImprove.Core.Monitoring;
using SelfImprove.Runs;
using SelfImprove.Testing;
using SelfImprove.Workflows.Monitoring;

namespace SelfImprove.Server.Tests.Serving;

/// <summary>The monitoring timer of <c>serve</c>: each tick checks the agents due, and only a drifted one gets a run.</summary>
public sealed class MonitoringTimerTests
{
    private const string EverySecond = "* * * * * *";

    [Fact]
    public async Task The_timer_starts_exactly_one_run_for_the_drifted_agent_and_none_for_the_healthy_one()
    {
        using var folder = new TempDirectory();
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m =>
        {
            ManifestFiles.UseSmallAgent(m, driftPoint: 0.4);
            m["monitoring"]!["schedule"] = EverySecond;
        });
        WriteSteadyAgent(agents);

        await using var server = await SelfImproveServer.StartAsync(new ServerOptions
        {
            Urls = $"http://127.0.0.1:{FreePort.Next()}",
            AgentsFolder = agents.Path,
            StoreDirectory = folder.Combine("store"),
            EmbeddingCacheDirectory = ManifestFiles.SharedEmbeddingCache,
            Development = true,
            MonitorEvery = TimeSpan.FromSeconds(1),
            // The drifted agent's callers: its recorded stream, with feedback that shows the drift.
            Replay = true,
        }, new LineRecorder());

        var runs = folder.Combine("store", "agents", "support-router", "runs");
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!Directory.Exists(runs) && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.True(Directory.Exists(runs), "no tick started a run for the drifted agent");
        await Task.Delay(TimeSpan.FromSeconds(3)); // three more ticks

        // One more tick, by hand (or the timer's of this second), to read what the checks decided.
        var tick = await server.TickAsync();
        var result = await server.Loop.Runs.WaitForMonitoringTickAsync(tick.Outcome is MonitoringTickOutcome.Skipped ? tick.RunningTickId! : tick.TickId);
        Assert.Equal(2, result.Due);
        Assert.Empty(result.Failed);
        Assert.Empty(result.Started);
        Assert.Equal([new OutcomeCount(TriggerOutcome.Healthy, 1), new OutcomeCount(TriggerOutcome.RunInProgress, 1)], result.Outcomes);
        Assert.Single(Directory.GetFiles(runs));
        Assert.False(Directory.Exists(folder.Combine("store", "agents", "steady-router", "runs")));
    }

    /// <summary>The same agent whose traffic never drifts within the recorded history.</summary>
    private static void WriteSteadyAgent(TempDirectory agents)
    {
        using var scratch = new TempDirectory();
        var path = ManifestFiles.WriteSupportRouter(scratch, m =>
        {
            ManifestFiles.UseSmallAgent(m, driftPoint: 0.95);
            m["monitoring"]!["schedule"] = EverySecond;
            m["agentId"] = "steady-router";
            m["alignment"]!["constitution"] = "constitutions/steady-router.json";
        }, c => c["agentId"] = "steady-router");
        File.Copy(path, agents.Combine("steady-router.agent.json"));
        File.Copy(scratch.Combine("constitutions", "support-router.json"), agents.Combine("constitutions", "steady-router.json"));
    }
}
