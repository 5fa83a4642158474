using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using SelfImprove.Runs;
using SelfImprove.Api.Http;
using SelfImprove.Workflows.Monitoring;

namespace SelfImprove.Functions.Tests;

/// <summary>The Functions app's triggers and wrappers, run on a real durable engine with its real client.</summary>
public sealed class FunctionAppTests
{
    [Fact]
    public async Task A_run_started_by_the_HTTP_function_is_approved_by_the_webhook_function_and_promotes()
    {
        await using var app = await FunctionsHost.StartAsync();
        var runsPath = $"/api/agents/{FunctionsHost.AgentId}/runs";

        var (status, check, location) = await FunctionsHost.CallAsync(r => app.Http.StartRun(r, FunctionsHost.AgentId, app.Client), runsPath, new { reason = "from the portal" });
        Assert.Equal(202, status);
        var runId = check!["id"]!.GetValue<string>();
        Assert.Equal($"https://selfimprove.example/api/runs/{runId}", location);
        Assert.Equal($"https://selfimprove.example/api/runs/{runId}/terminate", check["terminatePostUri"]!.GetValue<string>());

        var (conflict, problem, _) = await FunctionsHost.CallAsync(r => app.Http.StartRun(r, FunctionsHost.AgentId, app.Client), runsPath);
        Assert.Equal(409, conflict);
        Assert.Equal(runId, problem!["runId"]!.GetValue<string>());

        await PollAsync(app, runId, s => s["waitingForApproval"]!.GetValue<bool>());
        // The run says it waits just before it asks: the notice follows a moment later.
        var notice = await app.Approvals.NextAsync();
        Assert.StartsWith($"https://selfimprove.example/api/runs/{runId}/approval?token=", notice.ApprovalUrl);
        var approvalPath = new Uri(notice.ApprovalUrl).PathAndQuery;

        // The link opened in a browser: the approval page, from the same shared code as on serve.
        var (pageStatus, html, headers) = await FunctionsHost.CallForTextAsync(r => app.Http.ApprovalPage(r, runId, app.Client), approvalPath, method: "GET");
        Assert.Equal(200, pageStatus);
        Assert.Contains($"Approve run {runId}?", html);
        Assert.Contains($"action=\"/api/runs/{runId}/approval?token=", html);
        Assert.Equal("no-referrer", headers["Referrer-Policy"].ToString());
        var (forgedPage, _, _) = await FunctionsHost.CallForTextAsync(r => app.Http.ApprovalPage(r, runId, app.Client), $"/api/runs/{runId}/approval?token=forged", method: "GET");
        Assert.Equal(403, forgedPage);

        var (forged, _, _) = await FunctionsHost.CallAsync(r => app.Http.ApproveRun(r, runId, app.Client), $"/api/runs/{runId}/approval?token=forged", new { decision = "approve", approver = "eve" });
        Assert.Equal(403, forged);
        var (approved, _, _) = await FunctionsHost.CallAsync(r => app.Http.ApproveRun(r, runId, app.Client), approvalPath, new { decision = "approve", approver = "ana" });
        Assert.Equal(202, approved);

        var done = await PollAsync(app, runId, s => s["runtimeStatus"]!.GetValue<string>() == "Completed");
        Assert.Equal("Promoted", done["report"]!["status"]!.GetValue<string>());
        var (_, prediction, _) = await FunctionsHost.CallAsync(r => app.Http.Predict(r, FunctionsHost.AgentId), $"/api/agents/{FunctionsHost.AgentId}/predict", new { text = "my card was stolen" });
        Assert.Equal(done["report"]!["servingVersion"]!.GetValue<string>(), prediction!["version"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_shared_handlers_enforce_each_route_body_limit_without_Kestrel()
    {
        await using var app = await FunctionsHost.StartAsync();
        var predictPath = $"/api/agents/{FunctionsHost.AgentId}/predict";

        var (status, problem, _) = await FunctionsHost.CallAsync(r => app.Http.Predict(r, FunctionsHost.AgentId), predictPath, new { text = new string('x', (int)BodyLimit.Predict.MaxBytes + 1024) });
        Assert.Equal(413, status);
        Assert.Equal(BodyLimit.Predict.MaxBytes, problem!["maxBodyBytes"]!.GetValue<long>());
        var (unknownRun, refused, _) = await FunctionsHost.CallAsync(r => app.Http.ApproveRun(r, $"{FunctionsHost.AgentId}-9", app.Client),
            $"/api/runs/{FunctionsHost.AgentId}-9/approval?token=forged", new { decision = "approve", approver = "eve" });
        Assert.Equal(403, unknownRun);
        Assert.Equal("Invalid approval token", refused!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_timer_function_ticks_over_the_due_agents_and_starts_one_run_for_a_drifted_agent()
    {
        await using var app = await FunctionsHost.StartAsync();

        var first = await app.Monitoring.MonitorAgents(new TimerInfo(), app.Client, CancellationToken.None);
        Assert.Equal(MonitoringTickOutcome.Started, first.Outcome);
        Assert.Equal([FunctionsHost.AgentId], first.Due);
        var result = await app.Runs.WaitForMonitoringTickAsync(first.TickId);
        Assert.Equal(FunctionsHost.AgentId, Assert.Single(result.Started).AgentId);
        // The app's monitoring settings (SelfImprove__Monitoring__*) reach the tick.
        var input = (await app.Client.GetInstanceAsync(first.TickId, getInputsAndOutputs: true))!.ReadInputAs<Workflows.Monitoring.MonitorTickInput>()!;
        Assert.Equal((3, 10, Workflows.Monitoring.MonitorTickLimits.DefaultBatchesInFlight), (input.MaxRunsStarted, input.BatchSize, input.BatchesInFlight));

        // Five minutes on: the quarter-hour schedule has not fired since, so the agent is not due.
        var last = app.TimerClock.GetUtcNow().UtcDateTime;
        app.TimerClock.Advance(TimeSpan.FromMinutes(5));
        var quiet = await app.Monitoring.MonitorAgents(new TimerInfo { ScheduleStatus = new ScheduleStatus { Last = last } }, app.Client, CancellationToken.None);
        Assert.Empty(quiet.Due);
        Assert.Equal(0, (await app.Runs.WaitForMonitoringTickAsync(quiet.TickId)).Due);

        // At the next quarter hour it is due again, and its run is still in progress: no second run.
        last = app.TimerClock.GetUtcNow().UtcDateTime;
        app.TimerClock.Advance(TimeSpan.FromMinutes(10));
        var second = await app.Monitoring.MonitorAgents(new TimerInfo { ScheduleStatus = new ScheduleStatus { Last = last } }, app.Client, CancellationToken.None);
        var again = await app.Runs.WaitForMonitoringTickAsync(second.TickId);
        Assert.Empty(again.Started);
        Assert.Equal([new OutcomeCount(Core.Monitoring.TriggerOutcome.RunInProgress, 1)], again.Outcomes);
    }

    [Fact]
    public void Every_shared_orchestrator_and_activity_has_a_function_of_the_same_name()
    {
        var shared = typeof(MonitorAgentOrchestrator).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && (IsTask(t, typeof(TaskOrchestrator<,>)) || IsTask(t, typeof(TaskActivity<,>))))
            .Select(t => t.Name).Order().ToArray();
        var functions = typeof(OrchestrationFunctions).GetMethods()
            .Select(m => m.GetCustomAttribute<FunctionAttribute>()?.Name).OfType<string>().Order().ToArray();

        Assert.NotEmpty(shared);
        Assert.Equal(shared, functions);
    }

    [Fact]
    public void Every_HTTP_function_serves_an_API_route_and_only_the_approval_webhook_goes_without_a_function_key()
    {
        var triggers = typeof(HttpApiFunctions).GetMethods()
            .Select(m => m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>().SingleOrDefault())
            .OfType<HttpTriggerAttribute>().ToArray();
        var routes = typeof(ApiRoutes).GetFields().Where(f => f.IsLiteral && f.Name is not ("Prefix" or "KeyHeader" or "KeyQuery"))
            .Select(f => (string)f.GetRawConstantValue()!).ToHashSet();

        Assert.Equal(routes, triggers.Select(t => t.Route!).ToHashSet());
        // The approval link: POST (the webhook, the page's form) and GET (the page), both authorised by the run's token.
        var anonymous = triggers.Where(t => t.AuthLevel != AuthorizationLevel.Function).ToArray();
        Assert.All(anonymous, t => Assert.Equal(ApiRoutes.Approval, t.Route));
        Assert.Equal(["get", "post"], anonymous.SelectMany(t => t.Methods!).Order());
    }

    [Fact]
    public void Missing_settings_stop_the_app_at_start_up_with_each_setting_named()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SelfImprove:AgentsFolder"] = "no-such-folder",
            ["SelfImprove:ArtifactContainer"] = "Bad_Name",
            ["SelfImprove:Approval:NotifyUrl"] = "http://hooks.example/approve",
            ["SelfImprove:Monitoring:MaxRuns"] = "-1",
            ["SelfImprove:Monitoring:BatchSize"] = "500",
        }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => FunctionsSettings.From(configuration));

        foreach (var setting in new[] { "AzureWebJobsStorage", "SelfImprove:MonitoringSchedule", "SelfImprove:AgentsFolder", "SelfImprove:ArtifactContainer", "SelfImprove:Approval:NotifyUrl",
                     "SelfImprove:Monitoring:MaxRuns: -1 is outside 1–10,000", "SelfImprove:Monitoring:BatchSize: 500 is outside 1–200" })
            Assert.Contains(setting, error.Message);
    }

    private static bool IsTask(Type type, Type generic) =>
        type.BaseType is { IsGenericType: true } b && b.GetGenericTypeDefinition() == generic;


    private static async Task<System.Text.Json.Nodes.JsonObject> PollAsync(FunctionsHost app, string runId, Func<System.Text.Json.Nodes.JsonObject, bool> until)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            var (status, body, _) = await FunctionsHost.CallAsync(r => app.Http.GetRun(r, runId, app.Client), $"/api/runs/{runId}", method: "GET");
            Assert.Equal(200, status);
            if (until(body!)) return body!;
            Assert.True(body!["runtimeStatus"]!.GetValue<string>() is not ("Failed" or "Terminated"), body.ToJsonString());
            if (DateTime.UtcNow > deadline) throw new TimeoutException(body!.ToJsonString());
            await Task.Delay(100);
        }
    }
}
