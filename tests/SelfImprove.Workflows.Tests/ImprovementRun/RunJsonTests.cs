using System.Text.Json;
using Microsoft.DurableTask.Converters;
using SelfImprove.Core;
using SelfImprove.Core.Deployment;
using SelfImprove.Core.Runs;
using SelfImprove.Workflows.ImprovementRun;

namespace SelfImprove.Workflows.Tests.ImprovementRun;

/// <summary>What the durable engine stores and the API reads: phases, statuses and decisions as strings.</summary>
public sealed class RunJsonTests
{
    [Fact]
    public void The_phases_are_the_strings_of_the_progress_log()
    {
        Assert.Equal(["monitor", "plan", "generate", "train", "evaluate", "align", "approval", "deploy", "record"], WireNames.All<RunPhase>());
    }

    [Fact]
    public void The_custom_status_carries_each_phase_as_its_string()
    {
        var progress = new RunProgress([new PhaseEntry(RunPhase.Monitor, 0, "scoring"), new PhaseEntry(RunPhase.Approval, 1, "waiting")], WaitingForApproval: true);

        var json = JsonDataConverter.Default.Serialize(progress)!;
        var read = JsonSerializer.Deserialize<RunProgress>(json, JsonSerializerOptions.Web)!;

        Assert.Contains("\"Phase\":\"monitor\"", json);
        Assert.Contains("\"Phase\":\"approval\"", json);
        Assert.Equal(progress.Log, read.Log);
    }

    [Fact]
    public void The_report_carries_its_status_and_decisions_as_strings()
    {
        var report = new ImprovementReport
        {
            RunId = "support-router-1", AgentId = "support-router", Status = RunStatus.Rejected, Reason = "A/B trial lost",
            Goal = new GoalReport("accuracy", 0.85), Metrics = new MetricsReport(0.9, 0.7, 0.8),
            Approval = new ApprovalReport(ApprovalVerdict.Approved, "ana"), Deployment = new DeploymentReport(TrialDecision.Rollback, 0.2, 200),
        };

        var json = JsonDataConverter.Default.Serialize(report)!;

        Assert.Contains("\"Status\":\"Rejected\"", json);
        Assert.Contains("\"Decision\":\"Approved\"", json);
        Assert.Contains("\"Decision\":\"Rollback\"", json);
        Assert.Equal(report, JsonDataConverter.Default.Deserialize<ImprovementReport>(json));
    }
}
