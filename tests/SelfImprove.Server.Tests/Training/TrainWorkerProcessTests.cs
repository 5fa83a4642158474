using Azure.Storage.Blobs;
using SelfImprove.Core.Training;
using SelfImprove.Server.Tests.Serving;
using SelfImprove.Storage;
using SelfImprove.Testing;

namespace SelfImprove.Server.Tests.Training;

/// <summary><c>selfimprove train-worker</c> as a real process on Azurite: configured by environment variables, failing a bad job by name, stopping on SIGTERM.</summary>
public sealed class TrainWorkerProcessTests : IAsyncLifetime
{
    private const int SigTerm = 15;
    private const string Hub = "workertest";
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

    [Fact]
    public async Task SIGTERM_stops_an_idle_worker_with_exit_code_0()
    {
        await using var worker = StartWorker("jobs-b", "--poll-every", "200ms");
        Assert.Equal("WORKER READY jobs-b worker-a", await worker.WaitForLineAsync("WORKER READY", TimeSpan.FromMinutes(1)));

        worker.Signal(SigTerm);

        Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the worker still ran 30 s after SIGTERM");
        Assert.Equal(0, worker.ExitCode);
        Assert.Contains(worker.Error.Lines, l => l.StartsWith("STOPPED", StringComparison.Ordinal));
    }
}
