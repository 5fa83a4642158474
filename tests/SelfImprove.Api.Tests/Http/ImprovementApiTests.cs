using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SelfImprove.Core;
using SelfImprove.Core.Runs;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using SelfImprove.Runs;
using SelfImprove.Steps;
using SelfImprove.Workflows.Steps;
using SelfImprove.Storage;
using SelfImprove.Workflows.ImprovementRun;

namespace SelfImprove.Api.Tests.Http;

/// <summary>The HTTP API as a client sees it: real Kestrel on 127.0.0.1, the real loop behind it.</summary>
public sealed class ImprovementApiTests
{
    [Fact]
    public async Task A_run_started_over_HTTP_is_approved_through_its_link_promotes_and_the_new_version_answers()
    {
        await using var api = await ApiServer.StartAsync();

        using var start = await api.Http.PostAsJsonAsync($"api/agents/{ApiServer.AgentId}/runs", new { reason = "quarterly check" });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var check = (await start.Content.ReadFromJsonAsync<JsonObject>())!;
        var runId = check["id"]!.GetValue<string>();
        Assert.Equal($"{ApiServer.AgentId}-1", runId);
        var statusUri = new Uri(api.Server.BaseAddress, $"api/runs/{runId}").ToString();
        Assert.Equal(statusUri, start.Headers.Location!.ToString());
        Assert.Equal(statusUri, check["statusQueryGetUri"]!.GetValue<string>());
        Assert.Equal($"{statusUri}/events/{{eventName}}", check["sendEventPostUri"]!.GetValue<string>());
        Assert.Equal($"{statusUri}/terminate", check["terminatePostUri"]!.GetValue<string>());
        Assert.Equal(statusUri, check["purgeHistoryDeleteUri"]!.GetValue<string>());

        var waiting = await api.PollAsync(runId, ApiServer.WaitsForApproval);
        Assert.Equal("approval", waiting["phase"]!.GetValue<string>());
        Assert.Equal("v2", waiting["candidateVersion"]!.GetValue<string>());
        Assert.NotNull(waiting["approvalExpiresAt"]);
        Assert.DoesNotContain("token", waiting.ToJsonString(), StringComparison.OrdinalIgnoreCase);

        var link = await api.ApprovalLinkAsync(runId);
        using (var approved = await api.Anonymous.PostAsJsonAsync(link, new { decision = "approve", approver = "ana", comment = "looks right" }))
            Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
        using (var again = await api.Anonymous.PostAsJsonAsync(link, new { decision = "reject", approver = "bob" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Contains("already approved by ana", (await ApiServer.ProblemAsync(again))["detail"]!.GetValue<string>());
        }

        var done = await api.PollAsync(runId, ApiServer.Ended);
        var report = done["report"]!;
        Assert.Equal(RunStatus.Promoted.ToWire(), report["status"]!.GetValue<string>());
        Assert.Equal("ana", report["approval"]!["by"]!.GetValue<string>());
        Assert.Equal("v2", report["servingVersion"]!.GetValue<string>());
        var stored = StoreJson.Deserialize<ImprovementReport>(await File.ReadAllBytesAsync(Path.Combine(api.StorePath, "runs", runId, "report.json")), "report");
        Assert.Equal(RunStatus.Promoted, stored.Status);

        using var predicted = await api.Http.PostAsJsonAsync($"api/agents/{ApiServer.AgentId}/predict", new { text = "I lost my card" });
        var prediction = (await predicted.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("v2", prediction["version"]!.GetValue<string>());
        Assert.Equal("card_lost_or_stolen", prediction["intent"]!.GetValue<string>());

        var versions = (await api.Http.GetFromJsonAsync<JsonObject>($"api/agents/{ApiServer.AgentId}/versions"))!;
        Assert.Equal("v2", versions["serving"]!.GetValue<string>());
        Assert.Equal(["v1", "v2"], versions["versions"]!.AsArray().Select(v => v!["versionId"]!.GetValue<string>()));
        Assert.Equal(["retired", "serving"], versions["versions"]!.AsArray().Select(v => v!["status"]!.GetValue<string>()));

        using var rolledBack = await api.Http.PostAsync($"api/agents/{ApiServer.AgentId}/rollback", null);
        Assert.Equal("v1", (await rolledBack.Content.ReadFromJsonAsync<JsonObject>())!["serving"]!.GetValue<string>());
        using var afterRollback = await api.Http.PostAsJsonAsync($"api/agents/{ApiServer.AgentId}/predict", new { text = "I lost my card" });
        Assert.Equal("v1", (await afterRollback.Content.ReadFromJsonAsync<JsonObject>())!["version"]!.GetValue<string>());
        // Rolling back walks back along the versions' parents; it never flips back to what was rolled back from.
        using var secondRollback = await api.Http.PostAsync($"api/agents/{ApiServer.AgentId}/rollback", null);
        Assert.Equal(HttpStatusCode.Conflict, secondRollback.StatusCode);
        Assert.Contains("trained from no earlier version", (await ApiServer.ProblemAsync(secondRollback))["detail"]!.GetValue<string>());

        // The promotion ledger, newest first: one record per change, the refused rollback adds none.
        var ledger = (await api.Http.GetFromJsonAsync<JsonObject>($"api/agents/{ApiServer.AgentId}/deployments"))!["deployments"]!.AsArray();
        Assert.Equal(["manualRollback", "promoted", "initial"], ledger.Select(r => r!["change"]!.GetValue<string>()));
        Assert.Equal(["v1", "v2", "v1"], ledger.Select(r => r!["servingVersionId"]!.GetValue<string>()));
        var promoted = ledger[1]!;
        Assert.Equal(runId, promoted["runId"]!.GetValue<string>());
        Assert.Equal("v1", promoted["previousVersionId"]!.GetValue<string>());
        Assert.Equal("ana", promoted["approval"]!["by"]!.GetValue<string>());
        Assert.True(promoted["trial"]!["candidateSamples"]!.GetValue<int>() > 0);
        Assert.True(promoted["trial"]!["lower"]!.GetValue<double>() <= promoted["trial"]!["estimate"]!.GetValue<double>());
    }

    [Fact]
    public async Task Wrong_foreign_missing_and_used_tokens_are_refused_and_change_nothing()
    {
        await using var api = await ApiServer.StartAsync();
        var runId = await api.StartRunAsync();
        await api.PollAsync(runId, ApiServer.WaitsForApproval);
        var link = await api.ApprovalLinkAsync(runId);
        var decision = new { decision = "approve", approver = "mallory" };

        var forged = $"api/runs/{runId}/approval?token=" + new string('A', 43);
        var foreign = link.Replace(runId, $"{ApiServer.AgentId}-9", StringComparison.Ordinal);
        var tampered = link[..^2] + (link.EndsWith("AA", StringComparison.Ordinal) ? "BB" : "AA");
        foreach (var (url, expected) in new[]
                 {
                     (forged, HttpStatusCode.Forbidden), ($"api/runs/{runId}/approval", HttpStatusCode.Forbidden),
                     (tampered, HttpStatusCode.Forbidden), (foreign, HttpStatusCode.Forbidden),
                 })
        {
            using var refused = await api.Anonymous.PostAsJsonAsync(url, decision);
            Assert.Equal(expected, refused.StatusCode);
            await ApiServer.ProblemAsync(refused);
        }
        using (var badBody = await api.Anonymous.PostAsJsonAsync(link, new { decision = "maybe", approver = "" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badBody.StatusCode);
            var errors = (await ApiServer.ProblemAsync(badBody))["errors"]!.AsObject();
            Assert.True(errors.ContainsKey("$.decision") && errors.ContainsKey("$.approver"), errors.ToJsonString());
        }
        using (var viaEvents = await api.Http.PostAsJsonAsync($"api/runs/{runId}/events/approval", new { approved = true, by = "mallory" }))
            Assert.Equal(HttpStatusCode.Forbidden, viaEvents.StatusCode);

        var still = await api.StatusAsync(runId);
        Assert.True(ApiServer.WaitsForApproval(still), "a refused approval must leave the run waiting");
        Assert.False(File.Exists(Path.Combine(api.StorePath, "runs", runId, "approval", "decision.json")));

        using (var rejected = await api.Anonymous.PostAsJsonAsync(link, new { decision = "reject", approver = "ana" }))
            Assert.Equal(HttpStatusCode.Accepted, rejected.StatusCode);
        var done = await api.PollAsync(runId, ApiServer.Ended);
        Assert.Equal(RunStatus.Rejected.ToWire(), done["report"]!["status"]!.GetValue<string>());
        using var late = await api.Anonymous.PostAsJsonAsync(link, decision);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
    }

    [Fact]
    public async Task Of_twenty_parallel_approvals_through_the_link_one_is_accepted_and_only_it_reaches_the_run()
    {
        var events = new CountingRunEvents();
        await using var api = await ApiServer.StartAsync(configure: services => services.AddSingleton<IRunEvents>(events), anonymousRateLimit: 1000);
        var runId = await api.StartRunAsync();
        await api.PollAsync(runId, ApiServer.WaitsForApproval);
        var link = await api.ApprovalLinkAsync(runId);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            api.Anonymous.PostAsJsonAsync(link, new { decision = "approve", approver = $"person-{i}" })));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(19, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        foreach (var response in responses) response.Dispose();
        Assert.Equal(1, events.Approvals(runId));

        // The used link again while the run goes on: refused, and nothing more reaches the run.
        for (var i = 0; i < 3; i++)
        {
            using var replay = await api.Anonymous.PostAsJsonAsync(link, new { decision = "approve", approver = "mallory" });
            Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        }
        var done = await api.PollAsync(runId, ApiServer.Ended);
        Assert.Equal(RunStatus.Promoted.ToWire(), done["report"]!["status"]!.GetValue<string>());
        Assert.Equal(1, events.Approvals(runId));
    }

    /// <summary>Raises through the durable client and counts the approval events that went out.</summary>
    private sealed class CountingRunEvents : IRunEvents
    {
        private readonly ConcurrentQueue<(string RunId, string EventName)> raised = new();

        public async Task RaiseAsync(DurableTaskClient client, string runId, string eventName, object? payload, CancellationToken cancellationToken = default)
        {
            await client.RaiseEventAsync(runId, eventName, payload, cancellationToken);
            raised.Enqueue((runId, eventName));
        }

        public int Approvals(string runId) => raised.Count(e => e.RunId == runId && e.EventName == RunEvents.Approval);
    }

    [Fact]
    public async Task Concurrent_start_requests_start_exactly_one_run()
    {
        await using var api = await ApiServer.StartAsync(replay: false);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => api.Http.PostAsync($"api/agents/{ApiServer.AgentId}/runs", null)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Accepted);
        Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var started = (await responses.Single(r => r.StatusCode == HttpStatusCode.Accepted).Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
            Assert.Equal(started, (await ApiServer.ProblemAsync(conflict))["runId"]!.GetValue<string>());
        Assert.Single(Directory.GetFiles(Path.Combine(api.StorePath, "agents", ApiServer.AgentId, "runs")));
        foreach (var response in responses) response.Dispose();
    }

    [Fact]
    public async Task Terminating_a_run_ends_its_trial_and_frees_the_agent_for_the_next_run()
    {
        await using var api = await ApiServer.StartAsync();
        var first = await api.StartRunAsync();
        await api.PollAsync(first, ApiServer.WaitsForApproval);

        using (var terminated = await api.Http.PostAsync($"api/runs/{first}/terminate?reason=wrong+data", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, terminated.StatusCode);
            Assert.Equal("Terminated", (await terminated.Content.ReadFromJsonAsync<JsonObject>())!["runtimeStatus"]!.GetValue<string>());
        }
        using (var twice = await api.Http.PostAsync($"api/runs/{first}/terminate", null))
            Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);

        // The candidate the terminated run trained stays in the registry, listed as abandoned, with why.
        var versions = (await api.Http.GetFromJsonAsync<JsonObject>($"api/agents/{ApiServer.AgentId}/versions"))!["versions"]!.AsArray();
        Assert.Equal(["serving", "abandoned"], versions.Select(v => v!["status"]!.GetValue<string>()));
        Assert.Equal($"run {first} was terminated: wrong data", versions[1]!["abandonedReason"]!.GetValue<string>());
        Assert.Null(versions[0]!["abandonedReason"]);

        var second = await api.StartRunAsync();
        Assert.Equal($"{ApiServer.AgentId}-2", second);
        using var predicted = await api.Http.PostAsJsonAsync($"api/agents/{ApiServer.AgentId}/predict", new { text = "I lost my card" });
        Assert.Equal("v1", (await predicted.Content.ReadFromJsonAsync<JsonObject>())!["version"]!.GetValue<string>());
        using (var rollback = await api.Http.PostAsync($"api/agents/{ApiServer.AgentId}/rollback", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, rollback.StatusCode);
            var problem = await ApiServer.ProblemAsync(rollback);
            Assert.Equal("A run is in progress", problem["title"]!.GetValue<string>());
            Assert.Equal(second, problem["runId"]!.GetValue<string>());
        }

        using (var purgeRunning = await api.Http.DeleteAsync($"api/runs/{second}"))
            Assert.Equal(HttpStatusCode.Conflict, purgeRunning.StatusCode);
        using (var purged = await api.Http.DeleteAsync($"api/runs/{first}"))
            Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
        using var gone = await api.Http.GetAsync($"api/runs/{first}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task A_version_whose_training_finishes_after_its_run_was_terminated_is_listed_abandoned()
    {
        var training = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var api = await ApiServer.StartAsync(configure: services => services.AddSingleton<ITrainingStep>(sp =>
            new GatedTrainingStep(ActivatorUtilities.CreateInstance<TrainingStep>(sp), training, release)), replay: false);
        var run = await api.StartRunAsync();
        await training.Task.WaitAsync(TimeSpan.FromMinutes(2));

        using (var terminated = await api.Http.PostAsync($"api/runs/{run}/terminate?reason=stop+now", null))
            Assert.Equal(HttpStatusCode.Accepted, terminated.StatusCode);
        release.SetResult(); // the activity that was already training finishes and registers its version

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        JsonArray versions;
        do
        {
            await Task.Delay(200);
            versions = (await api.Http.GetFromJsonAsync<JsonObject>($"api/agents/{ApiServer.AgentId}/versions"))!["versions"]!.AsArray();
        } while ((versions.Count < 2 || versions[1]!["status"]!.GetValue<string>() != "abandoned") && DateTime.UtcNow < deadline);

        Assert.Equal(["serving", "abandoned"], versions.Select(v => v!["status"]!.GetValue<string>()));
        Assert.Equal($"{run}/attempt-1", versions[1]!["createdBy"]!.GetValue<string>());
        Assert.Equal($"run {run} was terminated: stop now", versions[1]!["abandonedReason"]!.GetValue<string>());
        Assert.Equal("v1", (await api.Http.GetFromJsonAsync<JsonObject>($"api/agents/{ApiServer.AgentId}/versions"))!["serving"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rollbacks_and_run_starts_sent_together_never_leave_a_run_on_a_serving_version_a_rollback_changed()
    {
        await using var api = await ApiServer.StartAsync();
        // v1 serving, then a promoted v2 (trained from v1), so there is something to roll back to.
        var promoted = await api.StartRunAsync();
        await api.PollAsync(promoted, ApiServer.WaitsForApproval);
        using (await api.Anonymous.PostAsJsonAsync(await api.ApprovalLinkAsync(promoted), new { decision = "approve", approver = "ana" })) { }
        await api.PollAsync(promoted, ApiServer.Ended);
        Assert.Equal("v2", (await api.Http.GetFromJsonAsync<JsonObject>($"api/agents/{ApiServer.AgentId}/versions"))!["serving"]!.GetValue<string>());

        var requests = Enumerable.Range(0, 12).Select(i => i % 2 == 0
            ? api.Http.PostAsync($"api/agents/{ApiServer.AgentId}/rollback", null)
            : api.Http.PostAsJsonAsync($"api/agents/{ApiServer.AgentId}/runs", new { reason = "race" })).ToArray();
        var answers = await Task.WhenAll(requests);
        var rolledBack = answers.Where((a, i) => i % 2 == 0 && a.StatusCode == HttpStatusCode.OK).Count();
        var started = answers.Where((a, i) => i % 2 == 1 && a.StatusCode == HttpStatusCode.Accepted).ToArray();
        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.Conflict, $"{a.StatusCode}"));
        Assert.True(rolledBack <= 1, $"{rolledBack} rollbacks went through; only v2 → v1 exists");
        Assert.True(started.Length <= 1, $"{started.Length} runs started");

        var serving = (await api.Http.GetFromJsonAsync<JsonObject>($"api/agents/{ApiServer.AgentId}/versions"))!["serving"]!.GetValue<string>();
        Assert.Equal(rolledBack == 1 ? "v1" : "v2", serving);
        if (started.SingleOrDefault() is { } start)
        {
            // The run trains from the version that served when it took the lock, and nothing changes it under the run.
            var runId = (await start.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
            await api.PollAsync(runId, s => ApiServer.WaitsForApproval(s) || ApiServer.Ended(s));
            var versions = (await api.Http.GetFromJsonAsync<JsonObject>($"api/agents/{ApiServer.AgentId}/versions"))!;
            Assert.Equal(serving, versions["serving"]!.GetValue<string>());
            foreach (var candidate in versions["versions"]!.AsArray().Where(v => v!["createdBy"]!.GetValue<string>().StartsWith(runId + "/", StringComparison.Ordinal)))
                Assert.Equal(serving, candidate!["parentVersionId"]!.GetValue<string>());
        }
        foreach (var answer in answers) answer.Dispose();
    }

    private sealed class GatedTrainingStep(ITrainingStep inner, TaskCompletionSource entered, TaskCompletionSource release) : ITrainingStep
    {
        public async Task<string> TrainAsync(
            string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, Core.Manifests.HyperParameters hyperParameters,
            CancellationToken cancellationToken = default)
        {
            entered.TrySetResult();
            await release.Task;
            return await inner.TrainAsync(runId, agentId, attempt, batchBlobNames, hyperParameters, cancellationToken);
        }
    }

    [Fact]
    public async Task Bad_requests_get_a_problem_that_names_what_to_fix()
    {
        await using var api = await ApiServer.StartAsync(replay: false);

        async Task<JsonObject> Expect(HttpStatusCode status, HttpResponseMessage response)
        {
            using (response)
            {
                Assert.Equal(status, response.StatusCode);
                return await ApiServer.ProblemAsync(response);
            }
        }

        var unknownAgent = await Expect(HttpStatusCode.NotFound, await api.Http.PostAsync("api/agents/nobody/runs", null));
        Assert.Contains("Known agents: support-router", unknownAgent["detail"]!.GetValue<string>());
        await Expect(HttpStatusCode.NotFound, await api.Http.GetAsync("api/runs/support-router-41"));
        await Expect(HttpStatusCode.NotFound, await api.Http.GetAsync("api/runs/..%2F..%2Fetc"));

        var feedback = $"api/agents/{ApiServer.AgentId}/feedback";
        var wrongLabels = await Expect(HttpStatusCode.BadRequest, await api.Http.PostAsJsonAsync(feedback, new { text = " ", predicted = "weather", label = "nope" }));
        Assert.Equal(["$.label", "$.predicted", "$.text"], wrongLabels["errors"]!.AsObject().Select(e => e.Key).Order());
        var unknownField = await Expect(HttpStatusCode.BadRequest, await api.Http.PostAsJsonAsync(feedback, new { text = "hi", predicted = "card_lost_or_stolen", thumbs = true }));
        Assert.Contains("thumbsUp", unknownField["detail"]!.GetValue<string>());
        var malformed = await Expect(HttpStatusCode.BadRequest, await api.Http.PostAsync(feedback, new StringContent("{\"text\": ", System.Text.Encoding.UTF8, "application/json")));
        Assert.Contains("not valid JSON", malformed["detail"]!.GetValue<string>());
        var tooLong = await Expect(HttpStatusCode.BadRequest, await api.Http.PostAsJsonAsync($"api/agents/{ApiServer.AgentId}/predict", new { text = new string('x', 1001) }));
        Assert.Contains("$.text", tooLong["errors"]!.AsObject().Select(e => e.Key));
        await Expect(HttpStatusCode.Conflict, await api.Http.PostAsync($"api/agents/{ApiServer.AgentId}/rollback", null));
        var notOfRun = await Expect(HttpStatusCode.NotFound, await api.Http.PostAsync("api/runs/support-router-1/training/support-router-2.attempt-1/completed", null));
        Assert.Contains("its jobs are named support-router-1.attempt-<n>", notOfRun["detail"]!.GetValue<string>());
        var neverSubmitted = await Expect(HttpStatusCode.NotFound, await api.Http.PostAsync("api/runs/support-router-1/training/support-router-1.attempt-1/completed", null));
        Assert.Contains("has submitted no training job 'support-router-1.attempt-1'", neverSubmitted["detail"]!.GetValue<string>());
        Assert.False(Directory.Exists(Path.Combine(api.StorePath, "agents", ApiServer.AgentId, "feedback")), "refused feedback was stored");
    }

    [Fact]
    public async Task Feedback_is_kept_and_monitoring_scores_the_serving_version_on_it()
    {
        // No recorded stream is replayed: monitoring sees only what callers send. A short window keeps it to the posted feedback.
        await using var api = await ApiServer.StartAsync(m => m["monitoring"]!["sampleSize"] = 20, replay: false);
        var before = await api.Server.Loop.Runs.CheckAsync(ApiServer.AgentId);

        for (var i = 0; i < 20; i++)
        {
            // Users say the agent routed their lost cards to the wrong place: the right intent was a login problem.
            using var response = await api.Http.PostAsJsonAsync($"api/agents/{ApiServer.AgentId}/feedback",
                new { text = $"I lost my card number {i}", predicted = "card_lost_or_stolen", label = "login_problem", thumbsUp = false });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Equal("login_problem", (await response.Content.ReadFromJsonAsync<JsonObject>())!["label"]!.GetValue<string>());
        }

        var after = await api.Server.Loop.Runs.CheckAsync(ApiServer.AgentId);
        Assert.Equal(20, after.Snapshot.FeedbackCount);
        Assert.Equal(0, before.Snapshot.FeedbackCount);
        Assert.True(after.Snapshot.FeedbackValue < 0.1, $"after: {after.Snapshot.FeedbackValue}");
        Assert.Equal(20, Directory.GetFiles(Path.Combine(api.StorePath, "agents", ApiServer.AgentId, "feedback")).Length);
    }

    [Fact]
    public async Task People_add_demonstrations_over_HTTP_while_the_run_waits_for_them_and_bad_ones_are_refused()
    {
        // An unreachable goal: the first attempt misses, and the second plan asks people for examples.
        await using var api = await ApiServer.StartAsync(m =>
        {
            m["goal"]!["target"] = 0.99;
            m["evaluation"]!["maxAttempts"] = 2;
            m["teacher"]!["allowHumanDemonstrations"] = true;
            m["teacher"]!["demonstrationTimeout"] = "01:00:00";
        });
        var runId = await api.StartRunAsync();
        var demonstrations = $"api/runs/{runId}/demonstrations";
        using (var early = await api.Http.PostAsJsonAsync(demonstrations, new { by = "ana", samples = new[] { new { text = "my card is gone", label = "card_lost_or_stolen" } } }))
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);

        await api.PollAsync(runId, s => s["waitingForDemonstrations"]!.GetValue<bool>());
        using (var bad = await api.Http.PostAsJsonAsync(demonstrations, new { by = "ana", samples = new[] { new { text = "my card is gone", label = "lost_card" }, new { text = " ", label = "pin_change" } } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            var errors = (await ApiServer.ProblemAsync(bad))["errors"]!.AsObject();
            Assert.Equal(["$.samples[0].label", "$.samples[1].text"], errors.Select(e => e.Key).Order());
        }
        using (var viaEvents = await api.Http.PostAsJsonAsync($"api/runs/{runId}/events/demonstrations", new { }))
            Assert.Equal(HttpStatusCode.Forbidden, viaEvents.StatusCode);
        Assert.True((await api.StatusAsync(runId))["waitingForDemonstrations"]!.GetValue<bool>(), "a refused submission must leave the run waiting");

        using (var accepted = await api.Http.PostAsJsonAsync(demonstrations, new
               {
                   by = "ana",
                   samples = new[] { new { text = "my flex card vanished from the orbit app", label = "card_lost_or_stolen" }, new { text = "orbit keeps logging me out", label = "login_problem" } },
               }))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            var body = (await accepted.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal((2, 2), (body["attempt"]!.GetValue<int>(), body["samples"]!.GetValue<int>()));
        }
        var done = await api.PollAsync(runId, ApiServer.Ended);
        Assert.Contains(done["log"]!.AsArray(), e => e!["detail"]!.GetValue<string>() == "2 demonstrated samples from ana");
        using var late = await api.Http.PostAsJsonAsync(demonstrations, new { by = "bob", samples = new[] { new { text = "pin help", label = "pin_change" } } });
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
    }
}
