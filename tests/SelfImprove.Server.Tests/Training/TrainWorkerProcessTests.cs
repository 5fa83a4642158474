using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using SelfImprove.Core.Training;
using SelfImprove.Server.Tests.Serving;
using SelfImprove.Storage;
using SelfImprove.Testing;
using SelfImprove.TestServer;

namespace SelfImprove.Server.Tests.Training;

/// <summary>
/// <c>selfimprove train-worker</c> as a real process on Azurite: configured by environment variables, failing a bad job by name; beside
/// <c>serve</c>, training a run's job through the queue across a SIGKILL, waking the run, and stopping on SIGTERM.
/// </summary>
public sealed class TrainWorkerProcessTests : IAsyncLifetime
{
    private const int SigTerm = 15;
    private const string Hub = "workertest";
    private const string Broken = "broken-router";
    private readonly TempDirectory folder = new();
    private Azurite azurite = null!;

    public async Task InitializeAsync() => azurite = await Azurite.StartAsync();

    public async Task DisposeAsync()
    {
        await azurite.DisposeAsync();
        folder.Dispose();
    }

    private string Agents()
    {
        var agents = new TempDirectory(folder.Combine("agents"));
        ManifestFiles.WriteSupportRouter(agents, m =>
        {
            ManifestFiles.UseSmallAgent(m);
            m["training"]!["compute"] = System.Text.Json.Nodes.JsonNode.Parse("{\"target\":\"worker\"}");
        });
        return agents.Path;
    }

    private ServeProcess StartWorker(string queue, params string[] arguments) =>
        ServeProcess.Start(folder.Path, ["--store", folder.Combine("store"), .. arguments],
            new Dictionary<string, string>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["SELFIMPROVE_TRAINING_QUEUE"] = queue,
                ["SELFIMPROVE_AGENTS"] = Agents(),
                ["SELFIMPROVE_HUB"] = Hub,
                ["SELFIMPROVE_WORKER_ID"] = "worker-a",
            },
            command: "train-worker");

    [Fact]
    public async Task A_job_whose_data_changed_is_failed_by_name_poisoned_and_the_worker_exits_when_the_queue_is_empty()
    {
        var store = await BlobArtifactStore.OpenAsync(new BlobContainerClient(azurite.ConnectionString, Hub));
        const string batch = "agents/support-router/batches/support-router-1.attempt-1.json";
        await store.WriteAsync(batch, "{\"examples\":[]}"u8.ToArray());
        var job = new TrainingJobSpec
        {
            JobId = TrainingJobSpec.JobIdOf("support-router-1", 1), AgentId = "support-router", RunId = "support-router-1", Attempt = 1,
            Data = [new TrainingDataBlob { Name = batch, Sha256 = TrainingDataBlob.HashOf("something else"u8) }],
            ResultBlob = StoreLayout.Candidate("support-router-1", 1),
            StatusBlob = StoreLayout.TrainingJobStatus("support-router-1", 1),
            HeartbeatBlob = StoreLayout.TrainingJobHeartbeat("support-router-1", 1),
        };
        var queue = new AzureStorageTrainingQueue(azurite.ConnectionString, "jobs-a");
        await queue.SendAsync(job);

        await using var worker = StartWorker("jobs-a", "--once");

        var line = await worker.WaitForLineAsync("JOB support-router-1.attempt-1 failed", TimeSpan.FromMinutes(1));
        Assert.Contains($"data blob '{batch}' has SHA-256", line);
        Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)), "--once: the worker still ran with the queue empty");
        Assert.Equal(0, worker.ExitCode);
        var status = StoreJson.Deserialize<TrainingJobStatus>((await store.ReadAsync(job.StatusBlob))!, job.StatusBlob);
        Assert.Equal((TrainingJobState.Failed, "worker-a"), (status.State, status.WorkerId));
        Assert.Equal("support-router-1.attempt-1", Assert.Single(await queue.PeekPoisonAsync()).JobId);
    }

    /// <summary>
    /// The whole path on Azurite: <c>serve</c> runs an agent with <c>training.compute.target: worker</c>, its run submits the
    /// job to the queue, the worker that takes it is SIGKILLed mid-job and so is <c>serve</c>; the other worker on the queue takes
    /// the job when the lease lapses, trains it and raises the completion event on the hub while no orchestration host runs (the
    /// run's status check is every 5 minutes, so only the event can wake it within the test); the restarted <c>serve</c> adopts
    /// the finished job and promotes the one version it registered. Beside it, a second agent whose training throws on every
    /// delivery: with <c>--max-deliveries 2</c> its job lands in the poison queue and its run ends <c>Failed</c> naming the job.
    /// SIGTERM then stops the idle worker with exit 0. Training never runs in the serving process: the job's status names the
    /// worker that trained it.
    /// </summary>
    [Fact]
    public async Task A_run_trains_on_a_worker_through_the_queue_survives_the_worker_and_serve_SIGKILLed_mid_job_and_promotes_one_version_while_a_failing_job_is_poisoned()
    {
        var agents = new TempDirectory(folder.Combine("serve-agents"));
        ManifestFiles.WriteSupportRouter(agents, m =>
        {
            ManifestFiles.UseSmallAgent(m);
            m["approval"]!["required"] = false;
            // A smaller attempt: what this test is about starts once the job is queued.
            m["planner"]!["maxLabelRequests"] = 120;
            m["planner"]!["maxGeneratedSamples"] = 60;
            m["teacher"]!["batchSize"] = 60;
            m["training"]!["compute"] = System.Text.Json.Nodes.JsonNode.Parse(
                "{\"target\":\"worker\",\"timeout\":\"01:00:00\",\"checkEvery\":\"00:05:00\",\"heartbeatTimeout\":\"00:10:00\"}");
        });
        // The same agent under another id, whose training throws on every delivery (FailingTrainingStep).
        var broken = JsonNode.Parse(File.ReadAllText(agents.Combine("support-router.agent.json")))!;
        broken["agentId"] = Broken;
        broken["alignment"]!["constitution"] = $"constitutions/{Broken}.json";
        File.WriteAllText(agents.Combine($"{Broken}.agent.json"), broken.ToJsonString());
        var constitution = JsonNode.Parse(File.ReadAllText(agents.Combine("constitutions", "support-router.json")))!;
        constitution["agentId"] = Broken;
        File.WriteAllText(agents.Combine("constitutions", $"{Broken}.json"), constitution.ToJsonString());
        var hold = folder.Combine("hold-training");
        File.WriteAllText(hold, "");
        var port = FreePort.Next();
        const string hub = "workerrun";
        var environment = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString, [HeldTrainingStep.HoldFileVariable] = hold, [FailingTrainingStep.AgentVariable] = Broken,
        };
        string[] serving =
        [
            "--backend", "azure-storage", "--urls", $"http://127.0.0.1:{port}", "--agents", agents.Path, "--store", folder.Combine("serve-store"),
            "--cache", ManifestFiles.SharedEmbeddingCache, "--dev", "--hub", hub, "--training-queue", "jobs-run", "--replay",
        ];
        var serves = new List<ServeProcess> { ServeProcess.Start(folder.Path, serving, environment) };
        var serve = serves[0];
        ServeProcess Worker(string id) => ServeProcess.Start(folder.Path,
        [
            "--agents", agents.Path, "--hub", hub, "--queue", "jobs-run", "--worker-id", id, "--store", folder.Combine($"store-{id}"),
            "--cache", ManifestFiles.SharedEmbeddingCache, "--visibility", "3s", "--heartbeat-every", "1s", "--poll-every", "200ms", "--max-deliveries", "2",
        ], environment, command: "train-worker");
        // Two workers on the queue from the start; the one that takes the job is SIGKILLed mid-job, the other finishes it.
        var workers = new Dictionary<string, ServeProcess> { ["worker-a"] = Worker("worker-a"), ["worker-b"] = Worker("worker-b") };
        try
        {
            await serve.WaitUntilListeningAsync();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

            using var started = await http.PostAsync("api/agents/support-router/runs", null);
            var runId = (await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
            using var failing = await http.PostAsync($"api/agents/{Broken}/runs", null);
            var brokenRunId = (await failing.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
            var jobId = $"{runId}.attempt-1";
            var store = await BlobArtifactStore.OpenAsync(new BlobContainerClient(azurite.ConnectionString, hub));
            var killed = (await WaitForStatusAsync(store, runId, s => s is { State: TrainingJobState.Running })).WorkerId!;
            await workers[killed].KillAsync();
            // The orchestration host dies too while the job is held: the job finishes with no host running the run.
            await serve.KillAsync();
            File.Delete(hold);
            var survivor = workers.Single(w => w.Key != killed);

            var line = await survivor.Value.WaitForLineAsync($"JOB {jobId} ", TimeSpan.FromMinutes(2));
            Assert.Equal($"JOB {jobId} succeeded v2", line);
            serves.Add(serve = ServeProcess.Start(folder.Path, serving, environment));
            await serve.WaitUntilListeningAsync();
            var done = await PollAsync(http, runId, s => s["runtimeStatus"]!.GetValue<string>() is "Completed" or "Failed" or "Terminated");

            Assert.Equal("Promoted", done["report"]!["status"]!.GetValue<string>());
            Assert.Equal(3, done["orchestrationVersion"]!.GetValue<int>());
            var status = StoreJson.Deserialize<TrainingJobStatus>((await store.ReadAsync(StoreLayout.TrainingJobStatus(runId, 1)))!, "status");
            Assert.Equal((TrainingJobState.Succeeded, survivor.Key, "v2"), (status.State, status.WorkerId, status.VersionId));
            Assert.True(status.Deliveries >= 2, $"the survivor's delivery was {status.Deliveries}; the killed worker's lease should have lapsed first");
            var versions = (await http.GetFromJsonAsync<JsonObject>("api/agents/support-router/versions"))!;
            Assert.Equal(["v1", "v2"], versions["versions"]!.AsArray().Select(v => v!["versionId"]!.GetValue<string>()));
            Assert.Equal($"{runId}/attempt-1", versions["versions"]![1]!["createdBy"]!.GetValue<string>());
            Assert.Equal("v2", versions["serving"]!.GetValue<string>());
            var log = done["log"]!.AsArray().Select(e => e!["detail"]!.GetValue<string>()).ToArray();
            Assert.Contains(log, l => l.StartsWith($"training job {jobId} queued for a 'worker' worker", StringComparison.Ordinal));
            Assert.Contains($"training job {jobId} trained v2", log);
            // One attempt, one candidate: the restarted host adopted the job once.
            Assert.Single(log, l => l.StartsWith($"training job {jobId} trained", StringComparison.Ordinal));

            // The failing agent's job: failed on delivery 1, poisoned on delivery 2, its run failed naming the job.
            var brokenJob = $"{brokenRunId}.attempt-1";
            var failed = await PollAsync(http, brokenRunId, s => s["runtimeStatus"]!.GetValue<string>() is "Completed" or "Failed" or "Terminated");
            Assert.Equal("Failed", failed["report"]!["status"]!.GetValue<string>());
            var reason = failed["report"]!["reason"]!.GetValue<string>();
            Assert.StartsWith($"training job {brokenJob} failed: ", reason);
            Assert.Contains("(delivery 2 of at most 2)", reason);
            Assert.Contains("in the poison queue", reason);
            var poisoned = Assert.Single(await new AzureStorageTrainingQueue(azurite.ConnectionString, "jobs-run").PeekPoisonAsync());
            Assert.Equal(brokenJob, poisoned.JobId);
            var brokenVersions = (await http.GetFromJsonAsync<JsonObject>($"api/agents/{Broken}/versions"))!;
            Assert.Equal(["v1"], brokenVersions["versions"]!.AsArray().Select(v => v!["versionId"]!.GetValue<string>()));

            survivor.Value.Signal(SigTerm);
            Assert.True(await survivor.Value.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the worker still ran 30 s after SIGTERM");
            Assert.Equal(0, survivor.Value.ExitCode);
            Assert.Contains(survivor.Value.Error.Lines, l => l.StartsWith("STOPPED", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var worker in workers.Values) await worker.DisposeAsync();
            foreach (var host in serves) await host.DisposeAsync();
        }
    }

    private static async Task<TrainingJobStatus> WaitForStatusAsync(BlobArtifactStore store, string runId, Func<TrainingJobStatus, bool> until)
    {
        var name = StoreLayout.TrainingJobStatus(runId, 1);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            if (await store.ReadAsync(name) is { } json && StoreJson.Deserialize<TrainingJobStatus>(json, name) is var status && until(status)) return status;
            await Task.Delay(100);
        }
        var last = await store.ReadAsync(name);
        throw new TimeoutException($"{name}: {(last is null ? "none" : System.Text.Encoding.UTF8.GetString(last))}");
    }

    private static async Task<JsonObject> PollAsync(HttpClient http, string runId, Func<JsonObject, bool> until)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        JsonObject? status = null;
        while (DateTime.UtcNow < deadline)
        {
            status = await http.GetFromJsonAsync<JsonObject>($"api/runs/{runId}");
            if (status is not null && until(status)) return status;
            await Task.Delay(200);
        }
        throw new TimeoutException($"run {runId}: {status?.ToJsonString()}");
    }
}
