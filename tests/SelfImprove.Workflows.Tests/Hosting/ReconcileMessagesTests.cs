using DurableTask.Core;
using DurableTask.Core.History;
using SelfImprove.Hosting;

namespace SelfImprove.Workflows.Tests.Hosting;

/// <summary>Which messages of a work item reach the sidecar's dispatcher, as DurableTask.Core's own dispatcher decides.</summary>
public sealed class ReconcileMessagesTests
{
    private static readonly OrchestrationInstance Execution = new() { InstanceId = "support-router-1", ExecutionId = "e1" };

    [Fact]
    public void A_start_message_for_an_orchestration_with_a_history_is_dropped_and_the_rest_kept()
    {
        var completed = Message(new TaskCompletedEvent(-1, 0, "\"v2\""));
        var (kept, dropped, reason) = ReconcilingOrchestrationService.Reconcile(Started(), [Start(), completed]);

        Assert.Equal([completed], kept);
        Assert.IsType<ExecutionStartedEvent>(Assert.Single(dropped).Event);
        Assert.Contains("already started", reason);
    }

    [Fact]
    public void Messages_for_an_orchestration_that_has_no_history_and_no_start_are_all_dropped()
    {
        var (kept, dropped, reason) = ReconcilingOrchestrationService.Reconcile(
            new OrchestrationRuntimeState(), [Message(new TaskCompletedEvent(-1, 3, null)), Message(new TimerFiredEvent(-1, DateTime.UtcNow))]);

        Assert.Empty(kept);
        Assert.Equal(2, dropped.Count);
        Assert.Contains("does not exist", reason);
    }

    [Fact]
    public void A_new_orchestration_keeps_its_first_start_and_the_messages_that_came_with_it()
    {
        var raised = Message(new EventRaisedEvent(-1, "{}") { Name = "approval" }, executionId: null);
        var (kept, dropped, reason) = ReconcilingOrchestrationService.Reconcile(new OrchestrationRuntimeState(), [Start(), raised, Start()]);

        Assert.Equal(2, kept.Count);
        Assert.Same(raised, kept[1]);
        Assert.Single(dropped);
        Assert.NotNull(reason);
    }

    [Fact]
    public void Messages_for_another_execution_are_dropped_and_those_without_one_kept()
    {
        var stale = Message(new TaskCompletedEvent(-1, 0, null), executionId: "e0");
        var external = Message(new EventRaisedEvent(-1, "{}") { Name = "approval" }, executionId: null);
        var (kept, dropped, reason) = ReconcilingOrchestrationService.Reconcile(Started(), [stale, external]);

        Assert.Equal([external], kept);
        Assert.Equal([stale], dropped);
        Assert.Contains("execution e0, not the current e1", reason);
    }

    [Fact]
    public void Nothing_is_dropped_from_an_ordinary_work_item()
    {
        var messages = new[] { Message(new TaskCompletedEvent(-1, 0, null)), Message(new TimerFiredEvent(-1, DateTime.UtcNow)) };
        var (kept, dropped, reason) = ReconcilingOrchestrationService.Reconcile(Started(), messages);

        Assert.Equal(messages, kept);
        Assert.Empty(dropped);
        Assert.Null(reason);
    }

    private static OrchestrationRuntimeState Started() => new([Start().Event]);

    private static TaskMessage Start() =>
        Message(new ExecutionStartedEvent(-1, "{}") { Name = "ImprovementRunOrchestrator", OrchestrationInstance = Execution });

    private static TaskMessage Message(HistoryEvent e, string? executionId = "e1") =>
        new() { Event = e, OrchestrationInstance = new OrchestrationInstance { InstanceId = Execution.InstanceId, ExecutionId = executionId } };
}
