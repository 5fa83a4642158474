using Microsoft.Extensions.Options;
using SelfImprove.Core.Manifests;
using SelfImprove.Core.Models;
using SelfImprove.Core.Training;
using SelfImprove.Learning.Scoring;
using SelfImprove.Storage;
using SelfImprove.Testing;
using SelfImprove.Workflows;
using SelfImprove.Workflows.Steps;

namespace SelfImprove.Steps.Tests.Training;

/// <summary>
/// Training through the queue: a job is submitted once, a worker trains it and records one candidate, a job whose worker died
/// is finished by another, a job delivered too often or with changed data fails naming it, a terminated run's job is skipped,
/// and a stopping worker hands its job back.
/// </summary>
public sealed class TrainingWorkerTests : IDisposable
{
    private const string Agent = "support-router";
    private const string Run = "support-router-1";
    private readonly TempDirectory folder = new();
    private readonly ManualClock clock = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
    private readonly LocalArtifactStore store;
    private readonly ArtifactModelRegistry registry;
    private readonly TrafficLog traffic;
    private readonly LoopContext loop;
    private readonly RunLedger runs;
    private readonly InMemoryTrainingQueue queue;
    private readonly TrainingJobSubmitter submitter;
    private readonly RegisteringTraining training;
    private readonly string batch;

    public TrainingWorkerTests()
    {
        store = new LocalArtifactStore(folder.Combine("store"));
        var agents = new AgentCatalog([ManifestLoader.Load(ManifestFiles.WriteSupportRouter(folder, m => m["training"]!["compute"] = System.Text.Json.Nodes.JsonNode.Parse("{\"target\":\"worker\"}")))]);
        registry = new ArtifactModelRegistry(store, clock);
        traffic = new TrafficLog(store, Options.Create(new LoopOptions()), clock);
        loop = new LoopContext(agents, store, registry, new ModelLoader(registry, new NoEncoder()), traffic, new FeedbackLog(store, clock, traffic, agents));
        runs = new RunLedger(agents, store, clock);
        queue = new InMemoryTrainingQueue(clock);
        submitter = new TrainingJobSubmitter(loop, queue, clock);
        training = new RegisteringTraining(loop);
        batch = StoreLayout.Batch(Agent, Run, 1);
        store.TryCreateAsync(batch, "{\"examples\":[]}"u8.ToArray()).GetAwaiter().GetResult();
        registry.AddAsync(TestVersions.Draft(null), new ModelArtifacts([1], [1])).GetAwaiter().GetResult();
        registry.SetServingAsync(Agent, "v1", "first").GetAwaiter().GetResult();
        runs.OpenAsync(new RunStartRequest(Agent, "test", Manual: true)).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        traffic.Dispose();
        folder.Dispose();
    }

    private static readonly TrainingWorkerOptions Fast = new() { WorkerId = "w1", Visibility = TimeSpan.FromMinutes(5), HeartbeatInterval = TimeSpan.FromMilliseconds(20), MaxDeliveries = 3 };

    private readonly RecordingNotifier notified = new();

    private TrainingWorker Worker(string id = "w1", int maxDeliveries = 3, TimeSpan? heartbeat = null) =>
        new(loop, training, queue, Fast with { WorkerId = id, MaxDeliveries = maxDeliveries, HeartbeatInterval = heartbeat ?? Fast.HeartbeatInterval }, clock,
            notifier: notified);

    private Task<TrainingJobSpec> SubmitAsync() => submitter.SubmitAsync(Run, Agent, 1, [batch], new HyperParameters { L2 = 0.5 });

    [Fact]
    public async Task A_job_submitted_twice_is_stored_and_queued_once_with_its_data_hashes_and_parent()
    {
        var first = await SubmitAsync();
        var second = await SubmitAsync();

        Assert.Equal(StoreJson.Serialize(first), StoreJson.Serialize(second));
        Assert.Equal(1, queue.Count);
        Assert.Equal("support-router-1.attempt-1", first.JobId);
        Assert.Equal("v1", first.ParentVersionId);
        Assert.Equal(ComputeTarget.Worker, first.Compute.Target);
        Assert.Equal(0.5, first.HyperParameters.L2);
        var data = Assert.Single(first.Data);
        Assert.Equal(TrainingDataBlob.HashOf((await store.ReadAsync(batch))!), data.Sha256);
        Assert.Equal(TrainingJobState.Queued, (await submitter.ReadStatusAsync(Run, 1))!.State);
    }

    [Fact]
    public async Task A_worker_trains_the_job_records_its_candidate_and_deletes_the_message()
    {
        await SubmitAsync();

        var done = await Worker().RunOnceAsync(CancellationToken.None);

        Assert.Equal(TrainingJobState.Succeeded, done!.State);
        Assert.Equal("v2", done.VersionId);
        Assert.Equal(done, await submitter.ReadStatusAsync(Run, 1));
        Assert.Equal("\"v2\"", System.Text.Encoding.UTF8.GetString((await store.ReadAsync(StoreLayout.Candidate(Run, 1)))!));
        Assert.Equal("w1", (await submitter.ReadHeartbeatAsync(Run, 1))!.WorkerId);
        Assert.Equal(0, queue.Count);
        Assert.Equal([("support-router-1", "support-router-1.attempt-1", TrainingJobState.Succeeded)], notified.Calls); // the run is woken once
        Assert.Null(await Worker().RunOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_job_whose_worker_died_is_finished_by_another_with_one_version()
    {
        await SubmitAsync();
        var dead = await queue.ReceiveAsync(Fast.Visibility); // the worker took it, then was killed
        Assert.NotNull(dead);
        Assert.Null(await Worker("w2").RunOnceAsync(CancellationToken.None)); // still invisible

        clock.Advance(Fast.Visibility + TimeSpan.FromSeconds(1));
        var done = await Worker("w2").RunOnceAsync(CancellationToken.None);

        Assert.Equal((TrainingJobState.Succeeded, "w2", 2), (done!.State, done.WorkerId, done.Deliveries));
        Assert.Single(await registry.ListAsync(Agent), v => v.CreatedBy == $"{Run}/attempt-1");
    }

    [Fact]
    public async Task Two_workers_holding_copies_of_one_job_leave_one_candidate_and_abandon_the_other_version()
    {
        await SubmitAsync();
        await submitter.ResubmitAsync(Run, 1, "heartbeat stale");
        training.ClaimAfterRegistering = false; // both register before either records the candidate
        var first = Worker("w1").RunOnceAsync(CancellationToken.None);
        var second = Worker("w2").RunOnceAsync(CancellationToken.None);
        await training.BothRegistered.Task;
        training.Proceed.SetResult();
        var results = await Task.WhenAll(first, second);

        var kept = Assert.Single(results.Select(r => r!.VersionId).Distinct());
        var versions = await registry.ListWithStatusAsync(Agent);
        var ofJob = versions.Where(v => v.Version.CreatedBy == $"{Run}/attempt-1").ToArray();
        Assert.Equal(2, ofJob.Length);
        Assert.Single(ofJob, v => v.Status != VersionStatus.Abandoned);
        Assert.Equal(kept, ofJob.Single(v => v.Status != VersionStatus.Abandoned).Version.VersionId);
        Assert.Contains("ran twice", ofJob.Single(v => v.Status == VersionStatus.Abandoned).Abandoned!.Reason);
    }

    [Fact]
    public async Task A_job_delivered_too_often_goes_to_the_poison_queue_and_fails_naming_it()
    {
        await SubmitAsync();
        for (var i = 0; i < 2; i++)
        {
            Assert.NotNull(await queue.ReceiveAsync(Fast.Visibility));
            clock.Advance(Fast.Visibility + TimeSpan.FromSeconds(1));
        }

        var done = await Worker(maxDeliveries: 2).RunOnceAsync(CancellationToken.None);

        Assert.Equal(TrainingJobState.Failed, done!.State);
        Assert.Contains("'support-router-1.attempt-1' was delivered 3 times (more than 2)", done.Reason);
        Assert.Equal(done, await submitter.ReadStatusAsync(Run, 1));
        var (jobId, reason) = Assert.Single(await queue.PeekPoisonAsync());
        Assert.Equal(("support-router-1.attempt-1", done.Reason), (jobId, reason));
        Assert.Equal(0, queue.Count);
        Assert.Equal(0, training.Calls);
        Assert.Equal([("support-router-1", "support-router-1.attempt-1", TrainingJobState.Failed)], notified.Calls);
    }

    [Fact]
    public async Task A_job_whose_data_changed_after_submission_fails_at_once_naming_the_blob()
    {
        await SubmitAsync();
        await store.WriteAsync(batch, "{\"examples\":[],\"x\":1}"u8.ToArray());

        var done = await Worker().RunOnceAsync(CancellationToken.None);

        Assert.Equal(TrainingJobState.Failed, done!.State);
        Assert.Contains($"data blob '{batch}' has SHA-256", done.Reason);
        Assert.Single(await queue.PeekPoisonAsync());
        Assert.Equal(0, training.Calls);
    }

    [Fact]
    public async Task A_terminated_runs_queued_job_is_cancelled_and_never_trained()
    {
        await SubmitAsync();
        await runs.RecordTerminatedAsync(Agent, Run, "operator stopped it");
        await submitter.CancelAsync(Run, 1, "run terminated: operator stopped it");

        var done = await Worker().RunOnceAsync(CancellationToken.None);

        Assert.Equal(TrainingJobState.Cancelled, done!.State);
        Assert.Contains("operator stopped it", done.Reason);
        Assert.Equal(0, training.Calls);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task A_terminated_runs_running_job_is_stopped_at_its_next_heartbeat_cancelled_and_registers_nothing()
    {
        await SubmitAsync();
        training.Hold = true;
        var running = Worker().RunOnceAsync(CancellationToken.None);
        await training.Started.Task;

        await runs.RecordTerminatedAsync(Agent, Run, "operator stopped it");
        var done = await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(TrainingJobState.Cancelled, done!.State);
        Assert.Contains($"run {Run} ended while its training job ran", done.Reason);
        Assert.Equal(done, await submitter.ReadStatusAsync(Run, 1));
        Assert.DoesNotContain(await registry.ListAsync(Agent), v => v.CreatedBy == $"{Run}/attempt-1");
        Assert.Equal(0, queue.Count);
        Assert.Empty(notified.Calls);
    }

    [Fact]
    public async Task A_version_a_terminated_runs_running_job_registers_anyway_is_abandoned()
    {
        await SubmitAsync();
        training.Hold = true;
        // No heartbeat falls within the test: the training finishes before the worker looks at the run again.
        var running = Worker(heartbeat: TimeSpan.FromMinutes(4)).RunOnceAsync(CancellationToken.None);
        await training.Started.Task;
        await runs.RecordTerminatedAsync(Agent, Run, "operator stopped it");
        training.Proceed.SetResult();

        var done = await running;

        var version = Assert.Single(await registry.ListWithStatusAsync(Agent), v => v.Version.VersionId == done!.VersionId);
        Assert.Equal(VersionStatus.Abandoned, version.Status);
    }

    [Fact]
    public async Task A_stopping_worker_hands_its_job_back_and_the_next_worker_finishes_it()
    {
        await SubmitAsync();
        training.Hold = true;
        using var stop = new CancellationTokenSource();
        var running = Worker("w1").RunOnceAsync(stop.Token);
        await training.Started.Task;

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);

        var status = await submitter.ReadStatusAsync(Run, 1);
        Assert.Equal(TrainingJobState.Queued, status!.State);
        Assert.Contains("worker w1 stopped", status.Reason);
        training.Hold = false;
        var done = await Worker("w2").RunOnceAsync(CancellationToken.None); // visible again at once, no clock advance
        Assert.Equal((TrainingJobState.Succeeded, "w2"), (done!.State, done.WorkerId));
    }

    [Fact]
    public async Task The_runs_check_finds_a_running_job_stale_once_its_heartbeat_is_older_than_the_timeout_and_adopts_the_recorded_candidate()
    {
        var step = new TrainingJobStep(loop, submitter, clock);
        Assert.Equal("support-router-1.attempt-1", await step.SubmitAsync(Run, Agent, 1, [batch], new HyperParameters()));
        Assert.Equal(TrainingJobState.Queued, (await step.CheckAsync(Run, Agent, 1, TimeSpan.FromMinutes(2))).State);
        training.Hold = true;
        var running = Worker(heartbeat: TimeSpan.FromMinutes(4)).RunOnceAsync(CancellationToken.None);
        await training.Started.Task;

        var alive = await step.CheckAsync(Run, Agent, 1, TimeSpan.FromMinutes(2));
        clock.Advance(TimeSpan.FromMinutes(3));
        var stale = await step.CheckAsync(Run, Agent, 1, TimeSpan.FromMinutes(2));
        training.Proceed.SetResult();
        await running;
        var done = await step.CheckAsync(Run, Agent, 1, TimeSpan.FromMinutes(2));

        Assert.Equal((TrainingJobState.Running, false, "w1"), (alive.State, alive.Stale, alive.WorkerId));
        Assert.Equal((TrainingJobState.Running, true), (stale.State, stale.Stale));
        Assert.Equal((TrainingJobState.Succeeded, "v2"), (done.State, done.VersionId));
        await Assert.ThrowsAsync<InvalidOperationException>(() => step.CheckAsync(Run, Agent, 2, TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public void Options_that_would_let_the_message_reappear_while_training_are_refused()
    {
        var problems = (Fast with { HeartbeatInterval = TimeSpan.FromMinutes(10) }).Validate();

        Assert.Contains(problems, p => p.Contains("shorter than the visibility"));
        Assert.Empty(Fast.Validate());
    }

    /// <summary>Training that registers a version and records the attempt's candidate as <c>TrainingStep</c> does, with hooks to hold it.</summary>
    private sealed class RegisteringTraining(LoopContext loop) : ITrainingStep
    {
        private int registered;
        public int Calls;
        public bool Hold;
        public bool ClaimAfterRegistering = true;
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Proceed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource BothRegistered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<string> TrainAsync(string runId, string agentId, int attempt, IReadOnlyList<string> batchBlobNames, HyperParameters hyperParameters, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Calls);
            Started.TrySetResult();
            if (Hold) await Proceed.Task.WaitAsync(cancellationToken);
            var version = await loop.Registry.AddAsync(TestVersions.Draft("v1", createdBy: $"{runId}/attempt-{attempt}"), new ModelArtifacts([2], [2]), cancellationToken);
            if (!ClaimAfterRegistering)
            {
                if (Interlocked.Increment(ref registered) == 2) BothRegistered.SetResult();
                await Proceed.Task.WaitAsync(cancellationToken);
            }
            await new RunLedger(loop.Agents, loop.Store, TimeProvider.System).AbandonIfEndedAsync(agentId, runId, version.VersionId, cancellationToken);
            var claim = StoreLayout.Candidate(runId, attempt);
            if (await loop.Store.TryCreateAsync(claim, StoreJson.Serialize(version.VersionId), cancellationToken)) return version.VersionId;
            return StoreJson.Deserialize<string>((await loop.Store.ReadAsync(claim, cancellationToken))!, claim);
        }
    }

    private sealed class RecordingNotifier : ITrainingCompletionNotifier
    {
        public List<(string RunId, string JobId, TrainingJobState State)> Calls { get; } = [];

        public Task NotifyAsync(TrainingJobSpec job, TrainingJobStatus status, CancellationToken cancellationToken = default)
        {
            lock (Calls) Calls.Add((job.RunId, job.JobId, status.State));
            return Task.CompletedTask;
        }
    }
}
